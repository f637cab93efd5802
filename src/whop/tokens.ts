import type { IdTokenClaims } from './id-token.js';

/**
 * Whop's token response as the verify function receives it (`params`): the fields as Whop sent
 * them, with `expires_in` as a number and `expires_at` added.
 */
export interface WhopTokenParams {
  /** The access token. */
  readonly access_token: string;
  /** `bearer`. */
  readonly token_type?: string;
  /** Seconds the access token lives, as Whop said. */
  readonly expires_in?: number;
  /** When the access token expires: whole Unix seconds, now + `expires_in`. */
  readonly expires_at?: number;
  /** The scope Whop granted, as Whop sent it (OAuth 2.1: the OpenID scopes). */
  readonly scope?: string;
  /**
   * The company (`biz_...`) this login asked for, in either flow; absent when it asked for none.
   * Whop requires the same company on every refresh of these tokens: store it beside them.
   */
  readonly company_id?: string;
  /** The raw ID token (OAuth 2.1 with the `openid` scope). */
  readonly id_token?: string;
  /** The ID token's claims, verified (signature, `iss`, `aud`, `exp`, `nonce`): OAuth 2.1 logins only. */
  readonly id_token_claims?: IdTokenClaims;
  readonly [field: string]: unknown;
}

/** Whole Unix seconds now. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** The longest `expires_in` taken as Whop's: ten years, in seconds. Past it, the expiry is unknown. */
export const MAX_EXPIRES_IN = 10 * 365 * 24 * 60 * 60;
const SECONDS = /^[0-9]{1,10}(?:\.[0-9]+)?$/;

/**
 * `expires_in` as Whop sent it, if it is a number of seconds from 0 to ten years (a number, or a
 * string of digits); else undefined: `null`, `""`, `[]`, `1e308` and the like say nothing.
 */
export function expiresIn(value: unknown): number | undefined {
  const seconds =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && SECONDS.test(value)
        ? Number(value)
        : NaN;
  return seconds >= 0 && seconds <= MAX_EXPIRES_IN ? seconds : undefined;
}

/**
 * Map a token response: `expires_in` becomes a number and `expires_at` is added when Whop said
 * how long the token lives (see {@link expiresIn}; else both are left out, along with any
 * `expires_at` of Whop's own); `refresh_token` is left out (the verify function gets it on its
 * own). The fields are copied as own data (`__proto__` in Whop's JSON stays an own field and
 * never becomes the prototype).
 */
export function toTokenParams(
  json: Readonly<Record<string, unknown>>,
  now = unixNow(),
): WhopTokenParams {
  // Rest properties define each field (as JSON.parse does): an assignment of `__proto__`
  // would set the object's prototype instead.
  const {
    refresh_token: _refresh,
    expires_in: _in,
    expires_at: _at,
    ...params
  } = json as Record<string, unknown>;
  params.access_token = String(json.access_token);
  const seconds = expiresIn(json.expires_in);
  if (seconds !== undefined) {
    params.expires_in = seconds;
    params.expires_at = now + Math.floor(seconds);
  }
  return params as WhopTokenParams;
}

/**
 * The tokens of Whop's answer to a refresh of `refreshToken` (its `params`, read by
 * `toTokenParams`), frozen: every caller of a shared refresh gets the same object.
 *
 * @internal
 */
export function toWhopTokens(
  json: Readonly<Record<string, unknown>>,
  refreshToken: string,
  params: WhopTokenParams,
): WhopTokens {
  // Whop is expected to rotate the refresh token; when it sends none, the old one stays valid.
  const rotated =
    typeof json.refresh_token === 'string' && json.refresh_token !== ''
      ? json.refresh_token
      : refreshToken;
  // Every caller of a shared refresh gets this object: frozen, so none can change it for the others.
  return Object.freeze({
    accessToken: params.access_token,
    refreshToken: rotated,
    tokenType: typeof params.token_type === 'string' ? params.token_type : 'bearer',
    ...(params.expires_in !== undefined && { expiresIn: params.expires_in }),
    ...(params.expires_at !== undefined && { expiresAt: params.expires_at }),
    ...(typeof params.scope === 'string' && { scope: params.scope }),
    params: Object.freeze({ ...json }),
  });
}

/** A fresh set of tokens from Whop. */
export interface WhopTokens {
  /** The new access token. */
  readonly accessToken: string;
  /** The refresh token to store and use next time: Whop's new one, or the one passed in when Whop sent none. */
  readonly refreshToken: string;
  /** `bearer` (Whop's, or `bearer` when Whop left it out). */
  readonly tokenType: string;
  /** Seconds the access token lives, as Whop said; undefined when Whop did not say. */
  readonly expiresIn?: number;
  /** When the access token expires: whole Unix seconds, now + `expiresIn`; the unit of `params.expires_at`. */
  readonly expiresAt?: number;
  /** The scope Whop granted, as Whop sent it. */
  readonly scope?: string;
  /** Whop's answer, as Whop sent it (the raw token response). */
  readonly params: Readonly<Record<string, unknown>>;
}

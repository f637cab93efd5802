import type { IdTokenClaims } from './id-token.js';

/**
 * Whop's token response as the verify function receives it (`params`): the fields as Whop sent
 * them, with `expires_in` as a number and `expires_at` added.
 */
export interface WhopTokenParams {
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

/**
 * Map a token response: `expires_in` becomes a number and `expires_at` is added when Whop said
 * how long the token lives; `refresh_token` is left out (the verify function gets it on its own).
 */
export function toTokenParams(
  json: Readonly<Record<string, unknown>>,
  now = unixNow(),
): WhopTokenParams {
  const params: Record<string, unknown> = {};
  for (const field in json) {
    if (field !== 'refresh_token' && field !== 'expires_in') params[field] = json[field];
  }
  params.access_token = String(json.access_token);
  const expiresIn = json.expires_in === undefined ? NaN : Number(json.expires_in);
  if (Number.isFinite(expiresIn) && expiresIn >= 0) {
    params.expires_in = expiresIn;
    params.expires_at = now + Math.floor(expiresIn);
  }
  return params as WhopTokenParams;
}

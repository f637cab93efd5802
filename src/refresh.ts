import { createHash } from 'node:crypto';
import { limitedTo, requestToken, type HttpSettings } from './whop/http.js';
import { scrubError } from './whop/scrub.js';
import { isCompanyId } from './options.js';
import { isWellFormed } from './whop/text.js';
import { WhopStrategy } from './strategy.js';
import { toWhopTokens, unixNow } from './whop/tokens.js';

/** What {@link refreshAccessToken} takes beyond the strategy and the refresh token. */
export interface RefreshOptions {
  /**
   * The company (`biz_...`) the refresh token was granted for: the verify function's
   * `params.company_id`. Whop requires the same one as at login: pass it whenever the login
   * asked for a company. Sent as `company_id` in OAuth 2.1, as `scope` in the legacy flow.
   */
  readonly companyId?: string;
  /** The same as `companyId`, its earlier name; give one of the two. */
  readonly scope?: string;
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

/** The refreshes in flight, per strategy, keyed by a hash of the refresh token and the scope. */
const inFlight = new WeakMap<WhopStrategy, Map<string, Promise<WhopTokens>>>();

/**
 * Get a new access token for a refresh token, from the strategy's token endpoint with its client
 * ID, secret, timeout, agent and custom headers. Concurrent calls for the same strategy, refresh token and
 * scope share one request and its result or error: Whop rotates refresh tokens, so a second
 * request with the same one would fail (see the README on apps that run several processes).
 *
 * Rejects with a `TypeError` for a bad argument (before any request), a `TokenError` (`code`,
 * `status`) when Whop refuses, and an `InternalOAuthError` for network errors, timeouts, 5xx
 * and bodies that are not Whop's tokens.
 *
 * @example
 * ```ts
 * if (isExpired(user.whop.expiresAt)) {
 *   const tokens = await refreshAccessToken(whopStrategy, user.whop.refreshToken);
 *   user.whop = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt };
 *   await users.save(user); // store the new refresh token: the old one no longer works
 * }
 * ```
 */
export async function refreshAccessToken(
  strategy: WhopStrategy,
  refreshToken: string,
  options: RefreshOptions = {},
): Promise<WhopTokens> {
  if (!(strategy instanceof WhopStrategy))
    throw new TypeError('refreshAccessToken requires a WhopStrategy as its strategy argument');
  // A lone surrogate has no UTF-8 form: it could not be sent.
  if (typeof refreshToken !== 'string' || refreshToken === '' || !isWellFormed(refreshToken))
    throw new TypeError('refreshAccessToken requires a refreshToken: a non-empty string');
  if (typeof options !== 'object' || options === null)
    throw new TypeError('refreshAccessToken requires the options argument to be an object');
  const { companyId, scope: legacyName } = options;
  for (const [name, value] of [
    ['companyId', companyId],
    ['scope', legacyName],
  ] as const) {
    if (value !== undefined && !isCompanyId(value))
      throw new TypeError(
        `refreshAccessToken requires the ${name} option to be a company ID: biz_ followed by letters and digits`,
      );
  }
  if (companyId !== undefined && legacyName !== undefined && companyId !== legacyName)
    throw new TypeError(
      'refreshAccessToken requires companyId and scope, when both are given, to name the same company',
    );
  const scope = companyId ?? legacyName;

  const table = inFlight.get(strategy) ?? new Map<string, Promise<WhopTokens>>();
  inFlight.set(strategy, table);
  // A hash, so the table never holds a refresh token; a company ID has no space in it.
  const key = `${createHash('sha256').update(refreshToken).digest('base64url')} ${scope ?? ''}`;
  const pending = table.get(key);
  if (pending) return pending;

  // Removed once settled, before any caller sees the outcome: a later call asks Whop again.
  const request = coordinated(strategy, refreshToken, scope).finally(() => {
    if (table.get(key) === request) table.delete(key);
  });
  table.set(key, request);
  return request;
}

/** The refresh, through the strategy's `refreshLock` when it has one: one process asks Whop. */
async function coordinated(
  strategy: WhopStrategy,
  refreshToken: string,
  scope: string | undefined,
): Promise<WhopTokens> {
  const lock = strategy.refreshLock;
  if (lock === undefined) return exchange(strategy, refreshToken, scope, strategy.http);
  const { http } = strategy;
  try {
    return await lock.coordinate({
      refreshToken,
      companyId: scope,
      timeout: http.timeout,
      // The lock gives the request less than the whole timeout: the rest is for waiting.
      refresh: (timeout) => exchange(strategy, refreshToken, scope, limitedTo(http, timeout)),
    });
  } catch (error) {
    // An error another process shared was scrubbed there; this is for a lock of the app's own.
    throw scrubError(error, [refreshToken, strategy.clientSecret]);
  }
}

async function exchange(
  strategy: WhopStrategy,
  refreshToken: string,
  scope: string | undefined,
  settings: HttpSettings,
): Promise<WhopTokens> {
  const oauth21 = strategy.flow === 'oauth2.1';
  // The legacy endpoint names the company `scope`; the OAuth 2.1 one `company_id`, and takes no
  // secret from a public client.
  const form = {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: strategy.clientID,
    client_secret: strategy.clientSecret,
    [oauth21 ? 'company_id' : 'scope']: scope,
  };
  // Taken before the request, so expiresAt errs early, never late.
  const now = unixNow();
  const json = await requestToken(
    'refresh',
    strategy.tokenURL,
    form,
    settings,
    strategy.customHeaders,
  );
  return toWhopTokens(json, refreshToken, now);
}

/** Above this, an "expiresAt" is milliseconds, not seconds (it would be the year 5138). */
const MAX_UNIX_SECONDS = 1e11;

/**
 * Whether an access token expires within `skewSeconds` (default 60) of now, or already has:
 * refresh when this says `true`. `expiresAt` is whole Unix seconds, as in
 * {@link WhopTokens.expiresAt} and the strategy's `params.expires_at`. An unknown expiry
 * (`undefined` or `null`: Whop did not send `expires_in`) is reported as not expired: the app
 * finds out from a 401 and refreshes then.
 */
export function isExpired(expiresAt: number | null | undefined, skewSeconds: number = 60): boolean {
  if (!Number.isFinite(skewSeconds) || skewSeconds < 0)
    throw new TypeError('isExpired requires skewSeconds to be a number of seconds, 0 or more');
  if (expiresAt === undefined || expiresAt === null) return false;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))
    throw new TypeError('isExpired requires expiresAt to be whole Unix seconds, or undefined');
  if (expiresAt > MAX_UNIX_SECONDS)
    throw new TypeError('isExpired requires expiresAt in Unix seconds, not milliseconds');
  return expiresAt - skewSeconds <= unixNow();
}

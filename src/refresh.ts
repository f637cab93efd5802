import { isCompanyId } from './options.js';
import type { WhopStrategy } from './strategy.js';
import { oauthClientOf } from './whop/client.js';
import { isWellFormed } from './whop/text.js';
import { unixNow, type WhopTokens } from './whop/tokens.js';

export type { WhopTokens } from './whop/tokens.js';

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
  const client = oauthClientOf(strategy);
  if (client === undefined)
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
  const company = companyId ?? legacyName;
  // The client puts the company where the flow wants it (`company_id` in OAuth 2.1, `scope` in
  // the legacy flow), and shares one request between concurrent refreshes of one token.
  const refreshed = await client.refresh(refreshToken, company ? { company_id: company } : {});
  return refreshed.tokens;
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

import type { WhopStrategy } from './strategy.js';
import { oauthClientOf } from './whop/client.js';
import { isWellFormed } from './whop/text.js';

/**
 * Revoke a refresh token at Whop (OAuth 2.1 flow: `POST revocationURL` with `token`,
 * `client_id`, and `client_secret` for a confidential app), with the strategy's timeout,
 * agent and headers, as at logout. Resolves once Whop accepted it (RFC 7009: also for a token
 * that was already invalid). Whop's access tokens cannot be revoked: Whop accepts the request,
 * but the token keeps working until it expires (within an hour); drop it from your session.
 *
 * Rejects with a `TypeError` for a bad argument or a legacy-flow strategy (before any request),
 * a `TokenError` (`code`, `status`) when Whop refuses with an OAuth error, and an
 * `InternalOAuthError` 'Failed to revoke token: ...' for network errors, timeouts and other
 * answers.
 *
 * @example
 * ```ts
 * app.post('/logout', async (req, res, next) => {
 *   try {
 *     await revokeToken(whopStrategy, req.user.whop.refreshToken);
 *     req.logout(() => res.redirect('/'));
 *   } catch (error) {
 *     next(error);
 *   }
 * });
 * ```
 */
export async function revokeToken(strategy: WhopStrategy, token: string): Promise<void> {
  const client = oauthClientOf(strategy);
  if (client === undefined)
    throw new TypeError('revokeToken requires a WhopStrategy as its strategy argument');
  if (typeof token !== 'string' || token === '' || !isWellFormed(token))
    throw new TypeError('revokeToken requires a token: a non-empty string');
  if (client.flow !== 'oauth2.1' || client.revocationURL === undefined)
    throw new TypeError(
      "revokeToken requires a strategy with flow: 'oauth2.1' (Whop's legacy flow has no revocation endpoint)",
    );
  await client.revoke(token);
}

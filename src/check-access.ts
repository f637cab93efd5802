import { isResourceId, isUserId, RESOURCE_RULE, USER_RULE } from './options.js';
import type { WhopAppStrategy } from './app-strategy.js';
import type { WhopStrategy } from './strategy.js';
import type { WhopAccess } from './whop/access.js';
import { clientOf } from './whop/client.js';

/** What {@link checkAccess} asks about. */
export interface CheckAccessOptions {
  /**
   * The user's access token, as the login gave it (or a refresh renewed it). Not needed when the
   * strategy has the app's `apiKey`: the check is then asked with the key.
   */
  readonly accessToken?: string;
  /** The user's Whop ID (`user_...`): `profile.id`. Anything else is a `TypeError`. */
  readonly userId: string;
  /** The company (`biz_...`), product (`prod_...`) or experience (`exp_...`) to check. */
  readonly resourceId: string;
}

/**
 * Whether a user has access to a Whop resource, asked at the strategy's `apiURL` (its
 * environment's), with its timeout, agent and headers: with the app's API key when the strategy
 * has an `apiKey` (a `WhopAppStrategy`'s, or a `WhopStrategy`'s), else with the user's own access
 * token. For the requests after login: concurrent identical checks share one request, and
 * answers are kept for the strategy's `accessMaxAge` (default 60 s), only ever for the same user
 * (and, without an API key, the same token). "No access" is an answer (`hasAccess: false`), not
 * an error.
 *
 * Rejects with a `TypeError` for a bad argument (before any request), and an
 * `InternalOAuthError` 'Failed to check the user's access: ...' when Whop could not answer
 * (network error, timeout, 401 for an expired token, 5xx, a body that is not an answer);
 * errors are never kept.
 *
 * @example
 * ```ts
 * const { hasAccess } = await checkAccess(whopStrategy, {
 *   accessToken: req.user.whop.accessToken,
 *   userId: req.user.whopId,
 *   resourceId: 'prod_XXXXXXXX',
 * });
 * ```
 */
export async function checkAccess(
  strategy: WhopStrategy | WhopAppStrategy,
  options: CheckAccessOptions,
): Promise<WhopAccess> {
  const client = clientOf(strategy);
  if (client === undefined)
    throw new TypeError(
      'checkAccess requires a WhopStrategy or a WhopAppStrategy as its strategy argument',
    );
  if (typeof options !== 'object' || options === null)
    throw new TypeError(
      'checkAccess requires an options object: { accessToken, userId, resourceId }',
    );
  const { accessToken, userId, resourceId } = options;
  const withKey = client.usesApiKey;
  if (
    withKey
      ? accessToken !== undefined && typeof accessToken !== 'string'
      : typeof accessToken !== 'string' || accessToken === ''
  )
    throw new TypeError(
      withKey
        ? 'checkAccess requires the accessToken, when given, to be a string'
        : "checkAccess requires an accessToken: a non-empty string (or the strategy's apiKey option)",
    );
  if (!isUserId(userId))
    throw new TypeError(`checkAccess requires a userId: the user's Whop ID (${USER_RULE})`);
  if (!isResourceId(resourceId))
    throw new TypeError(`checkAccess requires a resourceId: ${RESOURCE_RULE}`);
  return client.checkAccess(withKey ? undefined : accessToken, userId, resourceId);
}

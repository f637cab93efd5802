import refresh from 'passport-oauth2-refresh';
import { refreshAccessToken } from 'passport-whop';
import { createWhopStrategy } from './apps.js';
import type { FakeWhop } from './fake-whop.js';

export interface RefreshCounts {
  /** Token requests made by 100 concurrent `refreshAccessToken` calls. */
  readonly whop: number;
  /** Token requests made by 100 concurrent `requestNewAccessToken` calls. */
  readonly passportOauth2Refresh: number;
}

export const CONCURRENT_REFRESHES = 100;

/**
 * 100 refreshes of one refresh token at once, as when a page fires many API calls right after
 * the access token expired: first through `refreshAccessToken`, then through
 * passport-oauth2-refresh registered with the same WhopStrategy (so both send the same request
 * through the same client, and only the single flight differs). Counts what the token endpoint
 * receives.
 */
export async function countRefreshRequests(whop: FakeWhop): Promise<RefreshCounts> {
  const strategy = createWhopStrategy(whop.url);
  const refreshToken = 'bench-refresh-token';

  whop.resetCounts();
  const shared = await Promise.all(
    Array.from({ length: CONCURRENT_REFRESHES }, () => refreshAccessToken(strategy, refreshToken)),
  );
  const whopCount = whop.tokenRequests.refresh_token;
  if (new Set(shared.map((tokens) => tokens.accessToken)).size !== whopCount) {
    throw new Error('refreshAccessToken: the callers got more access tokens than requests made');
  }

  refresh.use('whop-bench-refresh', strategy);
  whop.resetCounts();
  await Promise.all(
    Array.from(
      { length: CONCURRENT_REFRESHES },
      () =>
        new Promise<void>((resolve, reject) => {
          refresh.requestNewAccessToken('whop-bench-refresh', refreshToken, (err) =>
            err
              ? reject(new Error(`passport-oauth2-refresh failed: ${JSON.stringify(err)}`))
              : resolve(),
          );
        }),
    ),
  );
  const passportCount = whop.tokenRequests.refresh_token;
  whop.resetCounts();
  return { whop: whopCount, passportOauth2Refresh: passportCount };
}

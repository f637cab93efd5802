import refresh from 'passport-oauth2-refresh';
import { refreshAccessToken } from 'passport-whop';
import type { FakeWhop } from './fake-whop.js';
import { createWhopStrategy } from './logins/legacy.js';
import type { Measurement } from './measurement.js';

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

export const refreshMeasurement: Measurement = {
  name: 'refresh',
  title: `Token requests for ${CONCURRENT_REFRESHES} concurrent refreshes of one refresh token`,
  async run({ whop }) {
    const counts = await countRefreshRequests(whop);
    return {
      targets: [
        {
          measure: `Token requests, ${CONCURRENT_REFRESHES} concurrent \`refreshAccessToken\``,
          value: String(counts.whop),
          target: '1',
          pass: counts.whop === 1,
        },
        {
          measure: `Token requests, ${CONCURRENT_REFRESHES} concurrent passport-oauth2-refresh`,
          value: String(counts.passportOauth2Refresh),
          target: '(for comparison)',
        },
      ],
      results: counts,
    };
  },
};

// One app process for the refresh lock's tests, run with `node --import tsx`: it connects to
// Redis, prints `ready`, and at each line `go <refresh token>` on stdin makes `CALLS` concurrent
// refreshAccessToken calls, then prints one JSON line: every call's outcome, and when it settled.
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import refresh from 'passport-oauth2-refresh';
import { createClient } from 'redis';
import {
  RedisRefreshLock,
  refreshAccessToken,
  WhopStrategy,
  type RedisScriptClientLike,
  type WhopStrategyOptions,
} from '../../src/index.js';

/** What the parent passes in `REFRESH_PROCESS` (JSON). */
export interface RefreshProcessConfig {
  readonly strategy: WhopStrategyOptions;
  readonly redisURL: string;
  readonly client: 'node-redis' | 'ioredis';
  /** Without it, each process refreshes on its own (the race). */
  readonly lock: boolean;
  readonly calls: number;
  /** Every second call through passport-oauth2-refresh (registered with the strategy) instead. */
  readonly passportRefresh?: boolean;
}

/** One call's outcome, as printed. */
export type CallOutcome =
  | { readonly accessToken: string; readonly refreshToken: string }
  | { readonly error: { readonly name: string; readonly code?: string; readonly message: string } };

/** What a process prints for each `go`: the outcomes, and `Date.now()` when all had settled. */
export interface RefreshProcessReport {
  readonly outcomes: CallOutcome[];
  readonly settledAt: number;
}

async function connect(config: RefreshProcessConfig): Promise<RedisScriptClientLike> {
  if (config.client === 'ioredis') {
    const client = new Redis(config.redisURL, { enableOfflineQueue: false, lazyConnect: true });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }
  const client = createClient({ url: config.redisURL, disableOfflineQueue: true });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** passport-oauth2-refresh's refresh, as a promise of the access and (rotated) refresh tokens. */
function requestNewAccessToken(refreshToken: string) {
  return new Promise<{ accessToken: string; refreshToken: string }>((resolve, reject) =>
    refresh.requestNewAccessToken('whop', refreshToken, (err, accessToken, rotated) =>
      err
        ? reject(err as Error)
        : resolve({ accessToken: accessToken!, refreshToken: rotated ?? refreshToken }),
    ),
  );
}

async function outcome(
  strategy: WhopStrategy,
  refreshToken: string,
  passportRefresh: boolean,
): Promise<CallOutcome> {
  try {
    const tokens = passportRefresh
      ? await requestNewAccessToken(refreshToken)
      : await refreshAccessToken(strategy, refreshToken);
    return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
  } catch (error) {
    const { name, code, message } = error as Error & { code?: string };
    return { error: { name, code, message } };
  }
}

const config = JSON.parse(process.env.REFRESH_PROCESS ?? '') as RefreshProcessConfig;
const redis = await connect(config);
const strategy = new WhopStrategy(
  { ...config.strategy, ...(config.lock && { refreshLock: new RedisRefreshLock(redis) }) },
  async () => ({}),
);
refresh.use(strategy);
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) {
  const [command, refreshToken = ''] = line.split(' ');
  if (command !== 'go') break;
  const calls = Array.from({ length: config.calls }, (_, i) =>
    outcome(strategy, refreshToken, config.passportRefresh === true && i % 2 === 1),
  );
  const report: RefreshProcessReport = {
    outcomes: await Promise.all(calls),
    settledAt: Date.now(),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
process.exit(0);

// One app process of the refresh-lock measurement (bench/refresh-lock.ts), forked with an IPC
// channel: it connects to Redis and answers the parent's messages, one at a time.
import { performance } from 'node:perf_hooks';
import { createClient } from 'redis';
import { RedisRefreshLock, refreshAccessToken, WhopStrategy } from 'passport-whop';
import { TOKEN_PATH } from './paths.js';

/** What the parent asks. */
export type LockBenchRequest =
  /** `calls` concurrent refreshes of `token` through the lock: the race the lock exists for. */
  | { readonly kind: 'burst'; readonly token: string; readonly calls: number }
  /** One refresh of `token`, through the lock or not: its latency. */
  | { readonly kind: 'single'; readonly token: string; readonly locked: boolean }
  | { readonly kind: 'exit' };

/** What it answers: the access tokens its calls got, and how long they took in all (ms). */
export interface LockBenchAnswer {
  readonly accessTokens: string[];
  readonly ms: number;
}

const [whopURL = '', redisURL = ''] = process.argv.slice(2);
const redis = createClient({ url: redisURL, disableOfflineQueue: true });
redis.on('error', () => undefined);
await redis.connect();
const options = {
  clientID: 'app_bench',
  clientSecret: 'bench-secret',
  callbackURL: 'http://127.0.0.1/callback',
  tokenURL: `${whopURL}${TOKEN_PATH}`,
};
const verify = async () => ({});
const locked = new WhopStrategy({ ...options, refreshLock: new RedisRefreshLock(redis) }, verify);
const plain = new WhopStrategy(options, verify);

async function answer(request: LockBenchRequest): Promise<LockBenchAnswer | undefined> {
  if (request.kind === 'exit') return undefined;
  const calls = request.kind === 'burst' ? request.calls : 1;
  const strategy = request.kind === 'single' && !request.locked ? plain : locked;
  const started = performance.now();
  const tokens = await Promise.all(
    Array.from({ length: calls }, () => refreshAccessToken(strategy, request.token)),
  );
  const ms = performance.now() - started;
  return { accessTokens: tokens.map((t) => t.accessToken), ms };
}

process.on('message', (request: LockBenchRequest) => {
  answer(request).then(
    (result) => {
      if (result === undefined) {
        redis.destroy();
        process.disconnect();
      } else process.send!(result);
    },
    (error: unknown) => process.send!({ error: String((error as Error)?.message ?? error) }),
  );
});
process.send!({ ready: true });

// checkAccess in the bench: answers served from its cache (checks per second on one core), the
// single flight (1,000 concurrent first checks of one user and resource), and the cache's memory
// at 100,000 entries (in a child process of its own, bench/access-cache.ts).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkAccess, type WhopStrategy } from 'passport-whop';
import type { AccessCacheMemory } from './access-cache.js';
import { createWhopStrategy } from './apps.js';
import type { FakeWhop } from './fake-whop.js';

export const CONCURRENT_FIRST_CHECKS = 1000;
const CACHED_MS = 1000;

export interface AccessBench {
  /** Checks answered from the cache per second, one after another, on one core. */
  readonly cachedChecksPerSecond: number;
  /** Requests Whop received for 1,000 concurrent first checks of one user and resource. */
  readonly requestsFor1000ConcurrentChecks: number;
  readonly cache: AccessCacheMemory;
}

const question = {
  accessToken: 'bench-access-token',
  userId: 'user_Bench0001',
  resourceId: 'prod_Bench0001',
};

/** Checks per second from the cache: sequential awaits, as one request's guard makes them. */
async function cachedRate(strategy: WhopStrategy): Promise<number> {
  let checks = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < CACHED_MS) {
    for (let i = 0; i < 10_000; i += 1) {
      const answer = await checkAccess(strategy, question);
      if (!answer.hasAccess) throw new Error('checkAccess: the cached answer changed');
    }
    checks += 10_000;
    elapsed = performance.now() - start;
  }
  return (checks / elapsed) * 1000;
}

/** The cache's memory, measured in a child process started with --expose-gc. */
function measureCacheMemory(whopURL: string): Promise<AccessCacheMemory> {
  const child = fork(fileURLToPath(new URL('./access-cache.ts', import.meta.url)), [whopURL], {
    execArgv: [...process.execArgv, '--expose-gc'],
  });
  return new Promise((resolve, reject) => {
    let answer: AccessCacheMemory | { error: string } | undefined;
    child.on('message', (message: AccessCacheMemory | { error: string }) => (answer = message));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (answer && 'error' in answer) reject(new Error(`access cache: ${answer.error}`));
      else if (answer) resolve(answer);
      else reject(new Error(`the access cache process exited (${code}) without a result`));
    });
  });
}

export async function measureAccess(whop: FakeWhop): Promise<AccessBench> {
  const strategy = createWhopStrategy(whop.url);
  whop.resetCounts();
  const answers = await Promise.all(
    Array.from({ length: CONCURRENT_FIRST_CHECKS }, () => checkAccess(strategy, question)),
  );
  const requests = whop.accessRequests();
  if (answers.some((answer) => answer.accessLevel !== 'customer'))
    throw new Error('checkAccess: a concurrent check got another answer');
  const cachedChecksPerSecond = await cachedRate(strategy);
  if (whop.accessRequests() !== requests)
    throw new Error('checkAccess: a cached check asked Whop again');
  whop.resetCounts();
  const cache = await measureCacheMemory(whop.url);
  // One request to make the cache; the sampled checks of cached members must have made none.
  if (whop.accessRequests() !== 1)
    throw new Error('access cache: checks of cached answers asked Whop: the keys differ');
  whop.resetCounts();
  return { cachedChecksPerSecond, requestsFor1000ConcurrentChecks: requests, cache };
}

// checkAccess in the bench: answers served from its cache (checks per second on one core), the
// single flight (1,000 concurrent first checks of one user and resource), and the cache's memory
// at 100,000 entries (in a child process of its own, bench/access-cache.ts).
import { checkAccess, type WhopStrategy } from 'passport-whop';
import type { AccessCacheMemory } from './access-cache.js';
import { runChild } from './child.js';
import type { FakeWhop } from './fake-whop.js';
import { createWhopStrategy } from './logins/legacy.js';
import type { Measurement } from './measurement.js';

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
  // The cache's memory, in a child process started with --expose-gc.
  const cache = await runChild<AccessCacheMemory>(
    new URL('./access-cache.ts', import.meta.url),
    [whop.url],
    { exposeGC: true },
  );
  // One request to make the cache; the sampled checks of cached members must have made none.
  if (whop.accessRequests() !== 1)
    throw new Error('access cache: checks of cached answers asked Whop: the keys differ');
  whop.resetCounts();
  return { cachedChecksPerSecond, requestsFor1000ConcurrentChecks: requests, cache };
}

export const accessMeasurement: Measurement = {
  name: 'check-access',
  title: "`checkAccess`: its single flight, its cache, the cache's memory",
  async run({ whop }) {
    const access = await measureAccess(whop);
    const { cache } = access;
    return {
      targets: [
        {
          measure: `Access requests, ${CONCURRENT_FIRST_CHECKS.toLocaleString('en-US')} concurrent first \`checkAccess\` of one user and resource`,
          value: String(access.requestsFor1000ConcurrentChecks),
          target: '1',
          pass: access.requestsFor1000ConcurrentChecks === 1,
        },
        {
          measure: '`checkAccess` answered from its cache, checks/s on one core',
          value: Math.round(access.cachedChecksPerSecond).toLocaleString('en-US'),
          target: '(for reference)',
        },
        {
          measure: `\`checkAccess\` cache at ${cache.entries.toLocaleString('en-US')} answers (heap + array buffers)`,
          value: `${cache.heapMiB.toFixed(1)} MiB (${Math.round(cache.bytesPerEntry)} B each)`,
          target: '(for reference)',
        },
      ],
      results: {
        cachedChecksPerSecond: Math.round(access.cachedChecksPerSecond),
        requestsFor1000ConcurrentFirstChecks: access.requestsFor1000ConcurrentChecks,
        cacheEntries: cache.entries,
        cacheMiB: Number(cache.heapMiB.toFixed(1)),
        cacheBytesPerEntry: Math.round(cache.bytesPerEntry),
      },
    };
  },
};

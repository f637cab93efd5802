// Run as a child process with --expose-gc (see access.ts): one strategy's checkAccess cache
// holding 100,000 answers, each for another user and token, as the requests of 100,000 members
// would leave it; the memory it takes, measured after garbage collection.
import { createHash } from 'node:crypto';
import { checkAccess, WhopStrategy, type WhopAccess } from 'passport-whop';
import { API_PATH, CALLBACK_PATH } from './paths.js';

export const CACHE_ENTRIES = 100_000;
const RESOURCE = 'prod_Bench0001';
const SAMPLES = 100;

export interface AccessCacheMemory {
  readonly entries: number;
  /** The JS heap and array buffers the cache added, after garbage collection. */
  readonly heapMiB: number;
  readonly bytesPerEntry: number;
}

/** The access checker of the strategy's client, internal to passport-whop: the cache is filled through it. */
interface Checker {
  readonly size: number;
  remember(key: string, answer: WhopAccess): WhopAccess;
}

const collect = globalThis.gc;
if (!collect) throw new Error('run with --expose-gc');

/** The JS heap plus array buffers (where lru-cache keeps its typed arrays). */
function used(): number {
  collect!();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Member `i`'s question: a token as long as Whop's, a user ID. */
function question(i: number) {
  const id = i.toString(36).padStart(8, '0');
  return { accessToken: `bench-token-${id}-${'x'.repeat(24)}`, userId: `user_${id}` };
}

async function measure(whopURL: string): Promise<AccessCacheMemory> {
  const strategy = new WhopStrategy(
    {
      clientID: 'app_bench',
      clientSecret: 'bench secret',
      callbackURL: CALLBACK_PATH,
      apiURL: `${whopURL}${API_PATH}`,
      accessCacheSize: CACHE_ENTRIES + 1,
      accessMaxAge: 10 * 60_000,
    },
    async () => false,
  );
  const checker = (strategy as unknown as { client: { access: Checker } }).client.access;
  // One real check: it makes the cache and gives the answer object every entry then holds.
  const answer = await checkAccess(strategy, { ...question(-1), resourceId: RESOURCE });
  const before = used();
  // 100,000 answers straight into the cache, under the keys checkAccess makes (the token's
  // SHA-256, the resource, the user): asking the fake Whop 100,000 times would take 30 s or more
  // on this machine, and cost the same memory. The samples below prove the keys are checkAccess's.
  for (let i = 0; i < CACHE_ENTRIES; i += 1) {
    const { accessToken, userId } = question(i);
    const hashed = createHash('sha256').update(accessToken).digest('base64url');
    checker.remember(`${hashed} ${RESOURCE} ${userId}`, answer);
  }
  const bytes = used() - before;
  const entries = checker.size - 1;
  if (entries !== CACHE_ENTRIES)
    throw new Error(`the cache holds ${entries} answers, not ${CACHE_ENTRIES}`);
  // Members asking through checkAccess: the parent checks that the fake Whop saw none of these.
  for (let i = 0; i < CACHE_ENTRIES; i += CACHE_ENTRIES / SAMPLES) {
    await checkAccess(strategy, { ...question(i), resourceId: RESOURCE });
  }
  return { entries, heapMiB: bytes / 2 ** 20, bytesPerEntry: bytes / entries };
}

measure(process.argv[2]!).then(
  (result) => process.send!(result, () => process.exit(0)),
  (error: Error) => process.send!({ error: error.message }, () => process.exit(1)),
);

// Run by memory.ts (through child.ts) in a child process started with --expose-gc: the heap of the default
// MemoryCodeStore once it holds 1,000,000 distinct codes.
import { MemoryCodeStore } from 'passport-whop';

export const CODES = 1_000_000;
const MiB = 1024 * 1024;
// The strategy's TTL (Whop's codes live 5 minutes): no code expires during the fill.
const TTL_MS = 5 * 60 * 1000;

export interface CodeRecordHeap {
  readonly codes: number;
  /** JS heap growth (heapUsed): the store object and its typed arrays' wrappers. */
  readonly heapMiB: number;
  /** Growth outside the JS heap (arrayBuffers): the typed arrays' contents. */
  readonly arrayBuffersMiB: number;
  /** heapMiB + arrayBuffersMiB, measured after a full GC: what the store retains. */
  readonly totalMiB: number;
  /** The most heapUsed + arrayBuffers seen during the fill, over the baseline, garbage included. */
  readonly peakMiB: number;
  readonly claimsPerSecond: number;
}

function used(): { heap: number; arrayBuffers: number } {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heap: heapUsed, arrayBuffers };
}

function collect(gc: () => void): void {
  // Twice: the first pass can leave work (weak references, finalizers) for the second.
  gc();
  gc();
}

export async function measureCodeRecord(gc: () => void): Promise<CodeRecordHeap> {
  collect(gc);
  const before = used();
  const store = new MemoryCodeStore();
  let peak = 0;
  const start = performance.now();
  for (let i = 0; i < CODES; i += 1) {
    if (!(await store.claim(`bench-code-${i}`, TTL_MS))) throw new Error(`code ${i} refused`);
    if (i % 50_000 === 0) {
      const now = used();
      peak = Math.max(peak, now.heap + now.arrayBuffers - before.heap - before.arrayBuffers);
    }
  }
  const claimsPerSecond = (CODES / (performance.now() - start)) * 1000;
  collect(gc);
  const after = used();
  // Read after the measurement, so the store is certainly alive through it.
  if (store.size !== CODES) throw new Error(`the store holds ${store.size} codes, not ${CODES}`);
  const heapMiB = (after.heap - before.heap) / MiB;
  const arrayBuffersMiB = (after.arrayBuffers - before.arrayBuffers) / MiB;
  return {
    codes: CODES,
    heapMiB,
    arrayBuffersMiB,
    totalMiB: heapMiB + arrayBuffersMiB,
    peakMiB: peak / MiB,
    claimsPerSecond,
  };
}

if (process.send) {
  const gc = globalThis.gc;
  if (!gc) throw new Error('code-record.ts needs node --expose-gc');
  measureCodeRecord(gc).then(
    (result) => process.send!(result, () => process.disconnect()),
    (error: Error) => process.send!({ error: error.message }, () => process.disconnect()),
  );
}

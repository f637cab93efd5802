// The default MemoryCodeStore's memory at 1,000,000 codes, measured in a child process of its
// own (code-record.ts), started with --expose-gc so it can collect garbage first.
import { runChild } from './child.js';
import type { CodeRecordHeap } from './code-record.js';
import type { Measurement } from './measurement.js';
import { round } from './stats.js';

export const HEAP_TARGET_MIB = 64;

export const codeRecordMeasurement: Measurement = {
  name: 'code-record',
  title: 'The in-memory code record at 1,000,000 distinct codes',
  async run() {
    const heap = await runChild<CodeRecordHeap>(new URL('./code-record.ts', import.meta.url), [], {
      exposeGC: true,
    });
    return {
      targets: [
        {
          measure: `\`MemoryCodeStore\` at ${heap.codes.toLocaleString('en-US')} codes (heap + typed arrays)`,
          value: `${heap.totalMiB.toFixed(1)} MiB`,
          target: `< ${HEAP_TARGET_MIB} MiB`,
          pass: heap.totalMiB < HEAP_TARGET_MIB,
        },
      ],
      results: {
        codes: heap.codes,
        totalMiB: round(heap.totalMiB, 1),
        heapUsedMiB: round(heap.heapMiB, 2),
        arrayBuffersMiB: round(heap.arrayBuffersMiB, 2),
        peakDuringFillMiB: round(heap.peakMiB, 1),
        claimsPerSecond: Math.round(heap.claimsPerSecond),
      },
    };
  },
};

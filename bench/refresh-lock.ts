// N processes × M concurrent refreshes of one refresh token, sharing a RedisRefreshLock: the
// token requests Whop receives (the target: 1), and the latency the lock adds to a refresh over
// the in-process single flight alone. Needs redis-server (apt-get install redis-server).
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { findRedisServer, startRedisServer } from '../test/support/redis.js';
import type { BenchContext, Measurement, Outcome } from './measurement.js';
import type { LockBenchAnswer, LockBenchRequest } from './refresh-lock-process.js';
import { formatSpread, roundSpread, spreadOf, type Spread } from './stats.js';

const PROCESSES = 3;
const CALLS = 10;

/** One forked app process, asked one thing at a time. */
class AppProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async start(whopURL: string, redisURL: string): Promise<AppProcess> {
    const file = fileURLToPath(new URL('./refresh-lock-process.ts', import.meta.url));
    const child = fork(file, [whopURL, redisURL], { execArgv: process.execArgv });
    const started = new AppProcess(child);
    await started.next();
    return started;
  }

  private next<T>(): Promise<T> {
    return new Promise((resolve, reject) => {
      const failed = (code: number | null) => reject(new Error(`the app process exited (${code})`));
      this.child.once('exit', failed);
      this.child.once('message', (message: T | { error: string }) => {
        this.child.off('exit', failed);
        if (typeof message === 'object' && message !== null && 'error' in message)
          reject(new Error(`the app process failed: ${message.error}`));
        else resolve(message as T);
      });
    });
  }

  ask(request: LockBenchRequest): Promise<LockBenchAnswer> {
    const answer = this.next<LockBenchAnswer>();
    this.child.send(request);
    return answer;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send({ kind: 'exit' } satisfies LockBenchRequest);
    });
  }
}

const freshToken = () => `bench-lock-${randomBytes(12).toString('base64url')}`;

/** One run's numbers. */
interface RunResult {
  /** Token requests per burst round. */
  readonly requests: number[];
  /** Milliseconds until all N × M calls of a round settled. */
  readonly burstMs: number[];
  /** One refresh through the lock and one without, alternately, in one process (ms). */
  readonly lockedMs: number[];
  readonly plainMs: number[];
}

async function measureRun(context: BenchContext, redisURL: string): Promise<RunResult> {
  const { whop, settings } = context;
  const apps = await Promise.all(
    Array.from({ length: PROCESSES }, () => AppProcess.start(whop.url, redisURL)),
  );
  const result: RunResult = { requests: [], burstMs: [], lockedMs: [], plainMs: [] };
  try {
    for (let round = 0; round < (settings.quick ? 3 : 10); round += 1) {
      const token = freshToken();
      whop.resetCounts();
      const started = performance.now();
      const answers = await Promise.all(
        apps.map((app) => app.ask({ kind: 'burst', token, calls: CALLS })),
      );
      result.burstMs.push(performance.now() - started);
      result.requests.push(whop.tokenRequests.refresh_token);
      const got = new Set(answers.flatMap((answer) => answer.accessTokens));
      if (got.size !== 1) throw new Error(`a burst's calls got ${got.size} different tokens`);
    }
    // Side by side in one process, alternately, so that the machine's noise falls on both.
    for (let i = 0; i < (settings.quick ? 20 : 100); i += 1) {
      result.lockedMs.push(
        (await apps[0]!.ask({ kind: 'single', token: freshToken(), locked: true })).ms,
      );
      result.plainMs.push(
        (await apps[0]!.ask({ kind: 'single', token: freshToken(), locked: false })).ms,
      );
    }
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
  }
  return result;
}

const ms = (spread: Spread) => `${formatSpread(spread, 2)} ms`;

function report(runs: readonly RunResult[]): Outcome {
  const requests = runs.flatMap((run) => run.requests);
  const perRun = (pick: (run: RunResult) => number[]) =>
    spreadOf(runs.map((run) => spreadOf(pick(run)).median));
  const locked = perRun((run) => run.lockedMs);
  const plain = perRun((run) => run.plainMs);
  const added = spreadOf(
    runs.map((run) => spreadOf(run.lockedMs).median - spreadOf(run.plainMs).median),
  );
  const burst = perRun((run) => run.burstMs);
  const most = Math.max(...requests);
  const markdown = [
    `| ${PROCESSES} processes × ${CALLS} concurrent calls, one refresh token | median of run medians (min–max) |`,
    '| --- | --- |',
    `| token requests per round (${requests.length} rounds) | ${most === Math.min(...requests) ? most : `${Math.min(...requests)}–${most}`} |`,
    `| all ${PROCESSES * CALLS} calls settled | ${ms(burst)} |`,
    `| one refresh, in-process single flight only | ${ms(plain)} |`,
    `| one refresh, through the RedisRefreshLock | ${ms(locked)} |`,
    `| added by the lock | ${ms(added)} |`,
  ].join('\n');
  return {
    markdown,
    targets: [
      {
        measure: `Token requests, ${PROCESSES} processes × ${CALLS} concurrent \`refreshAccessToken\` with \`RedisRefreshLock\``,
        value: String(most),
        target: '1',
        pass: most === 1,
      },
      {
        measure: 'Latency the lock adds to one refresh (ms)',
        value: formatSpread(added, 2),
        target: '(for comparison)',
      },
    ],
    results: {
      processes: PROCESSES,
      callsPerProcess: CALLS,
      requestsPerRound: most,
      rounds: requests.length,
      burstMs: roundSpread(burst, 2),
      plainMs: roundSpread(plain, 2),
      lockedMs: roundSpread(locked, 2),
      addedMs: roundSpread(added, 2),
    },
  };
}

export const refreshLockMeasurement: Measurement = {
  name: 'refresh-lock',
  title: `Token requests and latency for ${PROCESSES} processes × ${CALLS} refreshes of one token with RedisRefreshLock`,
  async run(context) {
    const binary = findRedisServer();
    if (binary === undefined)
      throw new Error('refresh-lock needs redis-server (apt-get install redis-server)');
    const redis = await startRedisServer(binary);
    try {
      const runs: RunResult[] = [];
      for (let run = 0; run < context.settings.runs; run += 1) {
        context.log(`refresh-lock: run ${run + 1} of ${context.settings.runs}`);
        runs.push(await measureRun(context, redis.url));
      }
      return report(runs);
    } finally {
      await redis.stop();
    }
  },
};

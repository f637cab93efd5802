import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { STRATEGIES, type StrategyName } from './apps.js';
import type { LoadJob, LoadResult } from './load.js';

export interface LoginSettings {
  /** Logins in flight at once. */
  readonly concurrency: number;
  /** Logins per strategy before measuring (JIT, connection pools, session stores). */
  readonly warmup: number;
  /** Logins per strategy in each round. */
  readonly perRound: number;
  readonly rounds: number;
  /** No new round starts past this many milliseconds of measuring. */
  readonly budgetMs: number;
}

export interface LoginStats {
  readonly logins: number;
  readonly loginsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** Logins/s of each round on its own. */
  readonly roundRates: number[];
}

/** The client process: it runs the logins, so the apps' process does the apps' work only. */
class LoadClient {
  private constructor(private readonly child: ChildProcess) {}

  static start(): LoadClient {
    // Inherits this process's flags, tsx's loader among them.
    return new LoadClient(fork(fileURLToPath(new URL('./load.ts', import.meta.url))));
  }

  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`the load process exited (${code}) during a run`));
      this.child.once('exit', onExit);
      this.child.once('message', (message: LoadResult | { error: string }) => {
        this.child.off('exit', onExit);
        if ('error' in message) reject(new Error(`the load process failed: ${message.error}`));
        else resolve(message);
      });
      this.child.send(job);
    });
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Logins against each app in rounds: every round runs each strategy once, in an order rotated
 * from round to round, so a burst of noise on the machine falls on all of them alike.
 */
export async function measureLogins(
  apps: Readonly<Record<StrategyName, string>>,
  settings: LoginSettings,
  onRound: (round: number, rates: Record<StrategyName, number>) => void = () => {},
): Promise<Record<StrategyName, LoginStats>> {
  const client = LoadClient.start();
  const runId = randomBytes(4).toString('hex');
  let batch = 0;
  const run = async (name: StrategyName, count: number): Promise<LoadResult> => {
    const job = {
      base: apps[name],
      count,
      concurrency: settings.concurrency,
      codePrefix: `${runId}-${name}-${batch++}-`,
    };
    const result = await client.run(job);
    if (result.failures > 0) {
      throw new Error(
        `${result.failures} of ${count} ${name} logins failed; the first: ${result.firstFailure}`,
      );
    }
    return result;
  };

  try {
    for (const name of STRATEGIES) await run(name, settings.warmup);
    const totals = Object.fromEntries(
      STRATEGIES.map((name) => [name, { ms: 0, latencies: [] as number[], rates: [] as number[] }]),
    ) as Record<StrategyName, { ms: number; latencies: number[]; rates: number[] }>;
    const start = performance.now();
    for (let round = 0; round < settings.rounds; round += 1) {
      if (round > 0 && performance.now() - start > settings.budgetMs) break;
      const order = STRATEGIES.map((_, i) => STRATEGIES[(i + round) % STRATEGIES.length]!);
      const rates = {} as Record<StrategyName, number>;
      for (const name of order) {
        const result = await run(name, settings.perRound);
        const total = totals[name];
        total.ms += result.elapsedMs;
        total.latencies.push(...result.latencies);
        rates[name] = (result.latencies.length / result.elapsedMs) * 1000;
        total.rates.push(rates[name]);
      }
      onRound(round, rates);
    }
    return Object.fromEntries(
      STRATEGIES.map((name) => {
        const { ms, latencies, rates } = totals[name];
        const sorted = latencies.sort((a, b) => a - b);
        const stats: LoginStats = {
          logins: sorted.length,
          loginsPerSecond: (sorted.length / ms) * 1000,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          roundRates: rates,
        };
        return [name, stats];
      }),
    ) as Record<StrategyName, LoginStats>;
  } finally {
    client.close();
  }
}

import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { STRATEGIES, type StrategyName } from './apps.js';
import type { AppReport } from './app-process.js';
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
  /**
   * CPU time of the app's own process per login: steadier than logins/s on a shared machine,
   * and what a strategy costs a server.
   */
  readonly cpuMicrosPerLogin: number;
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

/** One strategy's app, running in its own process (bench/app-process.ts). */
export class AppProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static start(name: StrategyName, whopURL: string): Promise<AppProcess> {
    const entry = fileURLToPath(new URL('./app-process.ts', import.meta.url));
    // Inherits this process's flags, tsx's loader among them.
    const child = fork(entry, [name, whopURL]);
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the ${name} app exited (${code})`)));
      child.once('message', (message: { url: string }) =>
        resolve(new AppProcess(child, message.url)),
      );
    });
  }

  report(): Promise<AppReport> {
    return new Promise((resolve) => {
      this.child.once('message', (message: AppReport) => resolve(message));
      this.child.send('report');
    });
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

/** Every order of the strategies, once each. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

// Round r runs the strategies in the r-th of all their orders: over 6 rounds each strategy runs
// in each position equally often and after each other strategy equally often. A plain rotation
// would put one strategy after the same neighbour most of the time, and a batch leaves garbage
// and cache state behind for the next one to pay for.
const ORDERS = permutations(STRATEGIES);

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Logins against each app in rounds: every round runs each strategy once, in one of its orders
 * from round to round, so a burst of noise on the machine falls on all of them alike.
 */
export async function measureLogins(
  apps: Readonly<Record<StrategyName, AppProcess>>,
  settings: LoginSettings,
  onRound: (round: number, rates: Record<StrategyName, number>) => void = () => {},
): Promise<Record<StrategyName, LoginStats>> {
  const client = LoadClient.start();
  const runId = randomBytes(4).toString('hex');
  let batch = 0;
  const cpuMicros = Object.fromEntries(STRATEGIES.map((name) => [name, 0])) as Record<
    StrategyName,
    number
  >;
  const run = async (name: StrategyName, count: number): Promise<LoadResult> => {
    const job = {
      base: apps[name].url,
      count,
      concurrency: settings.concurrency,
      codePrefix: `${runId}-${name}-${batch++}-`,
    };
    const before = await apps[name].report();
    const result = await client.run(job);
    const after = await apps[name].report();
    cpuMicros[name] += after.cpuMicros - before.cpuMicros;
    if (result.failures > 0) {
      throw new Error(
        `${result.failures} of ${count} ${name} logins failed; the first: ${result.firstFailure}`,
      );
    }
    return result;
  };

  try {
    for (const name of STRATEGIES) await run(name, settings.warmup);
    for (const name of STRATEGIES) cpuMicros[name] = 0;
    const totals = Object.fromEntries(
      STRATEGIES.map((name) => [name, { ms: 0, latencies: [] as number[], rates: [] as number[] }]),
    ) as Record<StrategyName, { ms: number; latencies: number[]; rates: number[] }>;
    const start = performance.now();
    for (let round = 0; round < settings.rounds; round += 1) {
      if (round > 0 && performance.now() - start > settings.budgetMs) break;
      const order = ORDERS[round % ORDERS.length]!;
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
          cpuMicrosPerLogin: cpuMicros[name] / sorted.length,
        };
        return [name, stats];
      }),
    ) as Record<StrategyName, LoginStats>;
  } finally {
    client.close();
  }
}

import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { percentile } from '../stats.js';
import type { AppReport } from './app-process.js';
import type { AppName } from './catalog.js';
import type { LoadJob, LoadResult } from './load.js';

export interface LoginSettings {
  /** Logins in flight at once, for each app. */
  readonly concurrency: number;
  /** Logins per app before measuring (JIT, connection pools, session stores). */
  readonly warmup: number;
  /** How long each round keeps every app under load, in milliseconds. */
  readonly roundMs: number;
  readonly rounds: number;
}

/** One app's logins in one run. */
export interface LoginStats {
  readonly logins: number;
  readonly loginsPerSecond: number;
  /** Milliseconds per login (the redirect and the callback), nearest-rank. */
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

const PROFILES = new URL('../profiles/', import.meta.url);

/** The client process: it runs the logins, so the apps' process does the apps' work only. */
class LoadClient {
  private constructor(private readonly child: ChildProcess) {}

  static start(): LoadClient {
    // Inherits this process's flags, tsx's loader among them.
    return new LoadClient(fork(fileURLToPath(new URL('./load.ts', import.meta.url))));
  }

  /** Runs the jobs at once, one for each app. */
  run(jobs: LoadJob[]): Promise<LoadResult[]> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`the load process exited (${code}) during a run`));
      this.child.once('exit', onExit);
      this.child.once('message', (message: LoadResult[] | { error: string }) => {
        this.child.off('exit', onExit);
        if ('error' in message) reject(new Error(`the load process failed: ${message.error}`));
        else resolve(message);
      });
      this.child.send(jobs);
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

  static start(name: AppName, whopURL: string): Promise<AppProcess> {
    const entry = fileURLToPath(new URL('./app-process.ts', import.meta.url));
    // Inherits this process's flags, tsx's loader among them; BENCH_CPU_PROF=whop-oauth21,oauth2
    // profiles those apps (in bench/profiles/<app>/, a .cpuprofile per thread: the largest is the
    // app's main thread, the others tsx's loader; open them in Chrome DevTools).
    const profiled = (process.env.BENCH_CPU_PROF ?? '').split(',').includes(name);
    const profile = [
      '--cpu-prof',
      `--cpu-prof-dir=${fileURLToPath(new URL(`./${name}/`, PROFILES))}`,
    ];
    const child = fork(entry, [name, whopURL], {
      execArgv: profiled ? [...process.execArgv, ...profile] : process.execArgv,
    });
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

/**
 * Logins against the apps at once, in rounds: each app has its own logins in flight, so a burst
 * of noise on the machine falls on all of them alike, and each app's logins/s is what it does
 * with its share of the machine. Taking turns, one app at a time, a burst falls on one of them
 * only: on this shared machine single rounds then varied by 40 %. Stats in the order of `apps`.
 */
export async function measureLogins(
  apps: readonly { readonly name: AppName; readonly process: AppProcess }[],
  settings: LoginSettings,
  onRound: (round: number, rates: number[]) => void = () => {},
): Promise<LoginStats[]> {
  const client = LoadClient.start();
  const runId = randomBytes(4).toString('hex');
  let batch = 0;
  const cpuMicros = () =>
    Promise.all(apps.map(async (app) => (await app.process.report()).cpuMicros));
  const runAll = async (limit: { count: number } | { durationMs: number }) => {
    batch += 1;
    const jobs = apps.map((app) => ({
      ...limit,
      base: app.process.url,
      concurrency: settings.concurrency,
      codePrefix: `${runId}-${app.name}-${batch}-`,
    }));
    const before = await cpuMicros();
    const results = await client.run(jobs);
    const after = await cpuMicros();
    apps.forEach((app, i) => {
      const { failures, latencies, firstFailure } = results[i]!;
      if (failures > 0) {
        throw new Error(
          `${failures} of ${failures + latencies.length} ${app.name} logins failed; the first: ${firstFailure}`,
        );
      }
    });
    return apps.map((_, i) => ({ ...results[i]!, cpuMicros: after[i]! - before[i]! }));
  };

  try {
    await runAll({ count: settings.warmup });
    const totals = apps.map(() => ({
      ms: 0,
      cpuMicros: 0,
      latencies: [] as number[],
      rates: [] as number[],
    }));
    for (let round = 0; round < settings.rounds; round += 1) {
      const results = await runAll({ durationMs: settings.roundMs });
      results.forEach((result, i) => {
        const total = totals[i]!;
        total.ms += result.elapsedMs;
        total.cpuMicros += result.cpuMicros;
        total.latencies.push(...result.latencies);
        total.rates.push((result.latencies.length / result.elapsedMs) * 1000);
      });
      onRound(
        round,
        totals.map((total) => total.rates[round]!),
      );
    }
    return totals.map(({ ms, cpuMicros, latencies, rates }) => {
      const sorted = latencies.sort((a, b) => a - b);
      return {
        logins: sorted.length,
        loginsPerSecond: (sorted.length / ms) * 1000,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        roundRates: rates,
        cpuMicrosPerLogin: cpuMicros / sorted.length,
      };
    });
  } finally {
    client.close();
  }
}

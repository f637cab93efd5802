// A flow's side-by-side comparison as a measurement: its apps (catalog.ts) under load together,
// in `runs` independent runs (fresh processes each), each run a warm-up then rounds. The verdict
// is the median of every round's WhopStrategy/peer ratio over all runs, shown with its spread.
import type { FakeWhop } from '../fake-whop.js';
import type { BenchContext, Measurement, Outcome } from '../measurement.js';
import { appsOf, type AppName, type LoginFlow } from './catalog.js';
import { AppProcess, measureLogins, type LoginSettings, type LoginStats } from './driver.js';
import { flowMarkdown, flowResults, flowTargets, type FlowRuns } from './report.js';

/** Runs below this give no verdict: one run's ratio is not a measurement on a shared machine. */
export const MIN_RUNS_FOR_VERDICT = 3;

function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1)
    throw new TypeError(`${name} must be a positive integer`);
  return value;
}

/** Defaults, overridden by BENCH_CONCURRENCY, BENCH_WARMUP, BENCH_ROUND_MS, BENCH_ROUNDS. */
export function loginSettings(quick: boolean): LoginSettings {
  return {
    concurrency: setting('BENCH_CONCURRENCY', 8),
    warmup: setting('BENCH_WARMUP', quick ? 200 : 1000),
    roundMs: setting('BENCH_ROUND_MS', quick ? 500 : 2000),
    rounds: setting('BENCH_ROUNDS', quick ? 3 : 6),
  };
}

/** One run: the flow's apps started afresh, measured together, closed. */
async function runOnce(
  flow: LoginFlow,
  whop: FakeWhop,
  settings: LoginSettings,
  log: (line: string) => void,
): Promise<LoginStats[]> {
  const names = appsOf(flow);
  const apps: { name: AppName; process: AppProcess }[] = [];
  whop.resetCounts();
  try {
    for (const name of names) apps.push({ name, process: await AppProcess.start(name, whop.url) });
    const stats = await measureLogins(apps, settings, (round, rates) =>
      log(
        `    round ${round + 1}: ${names.map((n, i) => `${n} ${rates[i]!.toFixed(0)}/s`).join(', ')}`,
      ),
    );
    for (const app of apps) {
      const [error] = (await app.process.report()).errors;
      if (error) throw new Error(`the ${app.name} app failed: ${error}`);
    }
    // Whop's keys are fetched once and kept (openid-client fetches them once for each of the
    // first logins in flight, having no single flight): an app fetching them at every login
    // would be measured making a request the others do not make.
    if (whop.jwksRequests() > names.length * settings.concurrency)
      throw new Error(
        `the apps fetched the JWKS ${whop.jwksRequests()} times: one of them per login`,
      );
    return stats;
  } finally {
    for (const app of apps) app.process.close();
  }
}

export function loginMeasurement(flow: LoginFlow): Measurement {
  return {
    name: flow.name,
    title: flow.title,
    async run({ settings: bench, whop, log }: BenchContext): Promise<Outcome> {
      const settings = loginSettings(bench.quick);
      log(
        `  ${appsOf(flow).join(', ')} at once, ${settings.concurrency} in flight each; ${bench.runs} runs of ${settings.warmup} warm-up logins each, then ${settings.rounds} rounds of ${settings.roundMs / 1000} s`,
      );
      const runs: LoginStats[][] = [];
      for (let run = 0; run < bench.runs; run += 1) {
        log(`  run ${run + 1} of ${bench.runs}`);
        runs.push(await runOnce(flow, whop, settings, log));
      }
      const measured: FlowRuns = { flow, apps: appsOf(flow), settings, runs };
      return {
        markdown: flowMarkdown(measured),
        targets: flowTargets(measured, bench.runs >= MIN_RUNS_FOR_VERDICT),
        results: flowResults(measured),
      };
    },
  };
}

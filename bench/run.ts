// `npm run bench`: logins/s through Express for WhopStrategy, OAuth2Strategy, passport-github2
// and the floor (bench/floor.ts) against one fake Whop on loopback; token requests for 100
// concurrent refreshes; the code record's heap at 1,000,000 codes; checkAccess from its cache,
// its single flight and its cache's memory. Prints markdown, writes results.json.
// Exits 0 when a target is missed (the report says so), 1 when the bench itself fails.
import { measureAccess } from './access.js';
import { STRATEGIES, type StrategyName } from './apps.js';
import { AppProcess, measureLogins, type LoginSettings } from './driver.js';
import { startFakeWhop, type FakeWhop } from './fake-whop.js';
import { measureCodeRecordHeap } from './memory.js';
import { countRefreshRequests } from './refresh.js';
import { toMarkdown, toResults, writeResults } from './report.js';

function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1)
    throw new TypeError(`${name} must be a positive integer`);
  return value;
}

const settings: LoginSettings = {
  concurrency: setting('BENCH_CONCURRENCY', 8),
  warmup: setting('BENCH_WARMUP', 2000),
  roundMs: setting('BENCH_ROUND_MS', 2000),
  rounds: setting('BENCH_ROUNDS', 15),
};

async function main(): Promise<void> {
  const started = performance.now();
  let whop: FakeWhop | undefined;
  const apps: Partial<Record<StrategyName, AppProcess>> = {};
  try {
    whop = await startFakeWhop();
    // Each app in its own process, like a site; the fake Whop and the client in others.
    for (const name of STRATEGIES) apps[name] = await AppProcess.start(name, whop.url);

    console.log(
      `Logins, all apps at once, ${settings.concurrency} in flight each: ${settings.warmup} warm-up each, then ${settings.rounds} rounds of ${settings.roundMs / 1000} s…`,
    );
    const logins = await measureLogins(
      apps as Record<StrategyName, AppProcess>,
      settings,
      (round, rates) =>
        console.log(
          `  round ${round + 1}: ${STRATEGIES.map((n) => `${n} ${rates[n].toFixed(0)}/s`).join(', ')}`,
        ),
    );
    for (const name of STRATEGIES) {
      const [error] = (await apps[name]!.report()).errors;
      if (error) throw new Error(`the ${name} app failed: ${error}`);
    }

    console.log('Refreshes: 100 concurrent, one refresh token…');
    const refreshes = await countRefreshRequests(whop);
    console.log('Code record: 1,000,000 codes in a child process with --expose-gc…');
    const codeRecord = await measureCodeRecordHeap();
    console.log(
      'checkAccess: 1,000 concurrent first checks, checks from the cache, 100,000 answers cached…',
    );
    const access = await measureAccess(whop);

    const results = toResults({
      settings,
      logins,
      refreshes,
      codeRecord,
      access,
      seconds: (performance.now() - started) / 1000,
    });
    await writeResults(new URL('./results.json', import.meta.url), results);
    console.log(
      `\n${toMarkdown(results)}\n\nWrote bench/results.json in ${results.durationSeconds} s.`,
    );
  } finally {
    for (const app of Object.values(apps)) app.close();
    await whop?.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('The benchmark failed:', error);
    process.exit(1);
  },
);

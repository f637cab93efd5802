// `npm run bench -- [--quick] [--runs N] [--only A,B] [--write]`: runs the measurements listed in
// bench/measurements.ts against one fake Whop on loopback, prints each one's tables and the
// targets table, and writes bench/results.json only when asked (--write or BENCH_WRITE=1).
// Exits 0 when a target is missed (the report says MISS), 1 when the bench itself fails, 2 on a
// command line it cannot run.
import { parseCli, select, USAGE, UsageError } from './cli.js';
import { startFakeWhop, type FakeWhop } from './fake-whop.js';
import type { BenchContext, Outcome } from './measurement.js';
import { MEASUREMENTS } from './measurements.js';
import { machineLine, targetsMarkdown, toResults, writeResults } from './results.js';

const RESULTS = new URL('./results.json', import.meta.url);

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2), process.env);
  if (cli.help) return console.log(USAGE);
  const chosen = select(MEASUREMENTS, cli.only);
  if (cli.list) {
    for (const m of MEASUREMENTS) console.log(`${m.name.padEnd(16)} ${m.title}`);
    return;
  }
  const started = performance.now();
  let whop: FakeWhop | undefined;
  const outcomes = new Map<string, Outcome>();
  try {
    whop = await startFakeWhop();
    const context: BenchContext = {
      settings: cli.settings,
      whop,
      log: (line) => console.log(line),
    };
    for (const measurement of chosen) {
      console.log(`${measurement.name}: ${measurement.title}…`);
      whop.resetCounts();
      outcomes.set(measurement.name, await measurement.run(context));
    }
  } finally {
    await whop?.close();
  }

  const results = toResults(cli.settings, outcomes, (performance.now() - started) / 1000);
  for (const measurement of chosen) {
    const { markdown } = outcomes.get(measurement.name)!;
    if (markdown) console.log(`\n### ${measurement.title}\n\n${markdown}`);
  }
  console.log(
    `\n### Targets\n\n${targetsMarkdown([...outcomes.values()].flatMap((o) => o.targets))}`,
  );
  console.log(`\n${machineLine(results)}`);
  if (cli.write) {
    await writeResults(RESULTS, results);
    console.log(`Wrote bench/results.json (${results.durationSeconds} s).`);
  } else {
    console.log(
      `Took ${results.durationSeconds} s. bench/results.json left as it is (--write to update it).`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`npm run bench: ${error.message}`);
      process.exit(2);
    }
    console.error('The benchmark failed:', error);
    process.exit(1);
  },
);

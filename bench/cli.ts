// `npm run bench -- [options]`: what to measure, how long, and whether to write results.json.
import type { BenchSettings, Measurement } from './measurement.js';

/** A command line the bench cannot run: reported in one line, exit code 2. */
export class UsageError extends TypeError {}

export interface CliOptions {
  readonly settings: BenchSettings;
  /** Names (or name prefixes: `logins` is every `logins-*`) given to `--only`; empty for all. */
  readonly only: readonly string[];
  /** `--write` (or BENCH_WRITE=1): update the tracked bench/results.json. */
  readonly write: boolean;
  readonly list: boolean;
  readonly help: boolean;
}

export const USAGE = `npm run bench -- [options]

  --quick        a short run for development (noisy: never written to results.json)
  --runs N       independent runs of each side-by-side comparison (default 3, at least 3
                 for a verdict; fresh processes each run)
  --only A,B     only these measurements (a prefix selects a group: --only logins)
  --write        write bench/results.json (also BENCH_WRITE=1); without it the tracked file
                 is left alone
  --list         list the measurements and exit
  --help         this text

The login comparisons also read BENCH_CONCURRENCY, BENCH_WARMUP, BENCH_ROUND_MS and
BENCH_ROUNDS (see docs/performance.md).`;

function positiveInteger(flag: string, value: string | undefined): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new UsageError(`${flag} takes a positive integer, not ${JSON.stringify(value)}`);
  return number;
}

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  let quick = false;
  let runs = 3;
  let only: string[] = [];
  let write = env.BENCH_WRITE === '1';
  let list = false;
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--runs':
        runs = positiveInteger('--runs', value());
        break;
      case '--only':
        only = (value() ?? '').split(',').filter(Boolean);
        if (only.length === 0)
          throw new UsageError('--only takes measurement names: --only logins');
        break;
      case '--write':
        write = true;
        break;
      case '--list':
        list = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg} (npm run bench -- --help)`);
    }
  }
  if (write && quick)
    throw new UsageError('--quick results are not measurements: run without --quick to --write');
  return { settings: { quick, runs }, only, write, list, help };
}

/** The measurements `only` names, in the registry's order; an unknown name is an error. */
export function select(all: readonly Measurement[], only: readonly string[]): Measurement[] {
  if (only.length === 0) return [...all];
  const matches = (m: Measurement, name: string) =>
    m.name === name || m.name.startsWith(`${name}-`);
  for (const name of only) {
    if (!all.some((m) => matches(m, name)))
      throw new UsageError(
        `no measurement is named ${name}; there are: ${all.map((m) => m.name).join(', ')}`,
      );
  }
  return all.filter((m) => only.some((name) => matches(m, name)));
}

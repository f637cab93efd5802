// What a measurement of `npm run bench` is: the one interface every measurement implements, and
// what the runner (bench/run.ts) gives it. A new measurement is a module exporting a
// `Measurement`, listed in bench/measurements.ts (bench/README.md walks through it).
import type { FakeWhop } from './fake-whop.js';

/** How long and how often to measure, from the command line (bench/cli.ts). */
export interface BenchSettings {
  /**
   * `--quick`: a short run for development, minutes shorter and far noisier. Its verdicts are
   * not measurements: the runner refuses to write them to bench/results.json.
   */
  readonly quick: boolean;
  /**
   * Independent runs of every side-by-side comparison (fresh processes each time), at least 3
   * for a verdict: a verdict is the median of all runs' rounds, shown with its spread.
   */
  readonly runs: number;
}

/** What the runner hands each measurement. */
export interface BenchContext {
  readonly settings: BenchSettings;
  /** The fake Whop on loopback (bench/fake-whop.ts), shared by every measurement. */
  readonly whop: FakeWhop;
  /** A line of progress for the terminal (not part of the report). */
  log(line: string): void;
}

/** One row of the report's targets table. */
export interface Target {
  /** What is measured, in words: `Logins/s, WhopStrategy / OAuth2Strategy (legacy flow)`. */
  readonly measure: string;
  /** The result as shown: `1.03 (0.97–1.10)`, `39.7 MiB`. */
  readonly value: string;
  /** The target as shown: `>= 1.00`; `(for comparison)` for a row with no verdict. */
  readonly target: string;
  /** Whether the target is met; undefined for a row with no target. */
  readonly pass?: boolean;
}

/** What a measurement hands back. */
export interface Outcome {
  /** Its own tables (markdown), printed under its title and copied into docs/performance.md. */
  readonly markdown?: string;
  /** Its rows of the targets table. */
  readonly targets: readonly Target[];
  /** What bench/results.json keeps of it, under `measurements[name]`: plain JSON. */
  readonly results: unknown;
}

export interface Measurement {
  /** Its key in bench/results.json and for `--only`: lowercase, dashes (`logins`, `code-record`). */
  readonly name: string;
  /** A line saying what it measures, shown as its heading. */
  readonly title: string;
  /**
   * Measures, and throws when the bench itself fails (a login that errs, a count that cannot be
   * right): a missed target is an outcome, a broken bench an exception.
   */
  run(context: BenchContext): Promise<Outcome>;
}

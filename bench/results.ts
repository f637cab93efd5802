// The report: every measurement's tables, the targets table, and bench/results.json.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import type { BenchSettings, Outcome, Target } from './measurement.js';
import { round } from './stats.js';

export interface Machine {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly node: string;
  readonly platform: string;
  /** The 1-minute load average at the end: how busy the machine was (2 cores: 2 is full). */
  readonly loadAverage1m: number;
}

/** What bench/results.json holds. */
export interface Results {
  readonly date: string;
  readonly machine: Machine;
  readonly settings: BenchSettings;
  /** Each measurement's own results, by its name. */
  readonly measurements: Record<string, unknown>;
  /** Every measurement's rows of the targets table. */
  readonly targets: Record<string, readonly Target[]>;
  /** When each measurement was taken (they differ when a later `--only` run rewrote some). */
  readonly measuredAt: Record<string, string>;
  readonly durationSeconds: number;
}

export function machine(): Machine {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cpus: cpu.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage1m: round(loadavg()[0]!, 2),
  };
}

export function toResults(
  settings: BenchSettings,
  outcomes: ReadonlyMap<string, Outcome>,
  seconds: number,
): Results {
  const entries = [...outcomes];
  const date = new Date().toISOString();
  return {
    date,
    machine: machine(),
    settings,
    measurements: Object.fromEntries(entries.map(([name, o]) => [name, o.results])),
    targets: Object.fromEntries(entries.map(([name, o]) => [name, o.targets])),
    measuredAt: Object.fromEntries(entries.map(([name]) => [name, date])),
    durationSeconds: round(seconds, 1),
  };
}

function verdict(target: Target): string {
  return target.pass === undefined ? '' : target.pass ? 'pass' : 'MISS';
}

/** The targets of every measurement in one markdown table. */
export function targetsMarkdown(targets: readonly Target[]): string {
  return [
    '| Measure | Result | Target | |',
    '| --- | ---: | --- | --- |',
    ...targets.map((t) => `| ${t.measure} | ${t.value} | ${t.target} | ${verdict(t)} |`),
  ].join('\n');
}

export function machineLine(r: Results): string {
  const m = r.machine;
  return `${r.date.slice(0, 10)}, ${m.cpus} × ${m.cpuModel}, Node.js ${m.node}, ${m.platform}, load average ${m.loadAverage1m} at the end; ${r.settings.runs} runs${r.settings.quick ? ', --quick (not a measurement)' : ''}.`;
}

/**
 * Writes `results` to `path`. When only some measurements ran (`--only`), the others' entries
 * already in the file are kept, with their dates in `measuredAt`.
 */
export async function writeResults(path: URL, results: Results): Promise<void> {
  let previous: Partial<Results> = {};
  try {
    previous = JSON.parse(await readFile(path, 'utf8')) as Partial<Results>;
  } catch {
    // No file yet, or one from before measurements were modules: start afresh.
  }
  const kept = <K extends 'measurements' | 'targets' | 'measuredAt'>(key: K): Results[K] =>
    previous[key] && typeof previous[key] === 'object' ? previous[key] : {};
  const merged: Results = {
    ...results,
    measurements: { ...kept('measurements'), ...results.measurements },
    targets: { ...kept('targets'), ...results.targets },
    measuredAt: { ...kept('measuredAt'), ...results.measuredAt },
  };
  await writeFile(path, `${JSON.stringify(merged, null, 2)}\n`);
}

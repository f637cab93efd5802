// How long loading the package takes: `require('passport-whop')` and `import('passport-whop')`
// in fresh processes, against passport-oauth2 loaded the same way. Samples alternate between the
// two packages, so the shared machine's noise falls on both alike; each is the time of the load
// alone, measured inside the child (Node's own start is the same for both and left out).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Measurement } from './measurement.js';
import { formatSpread, roundSpread, spreadOf, type Spread } from './stats.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The ES module entry must load within this ratio of passport-oauth2's time (issue 20). */
export const IMPORT_TARGET = 1.2;
const PACKAGES = ['passport-oauth2', 'passport-whop'] as const;
const SYSTEMS = ['require', 'import'] as const;
type System = (typeof SYSTEMS)[number];

/** Milliseconds one fresh process takes to load `name` with `system`. */
async function loadTime(name: string, system: System): Promise<number> {
  const load = system === 'require' ? `require('${name}')` : `await import('${name}')`;
  const script = `const t = performance.now(); ${load}; console.log(performance.now() - t);`;
  const args = system === 'require' ? ['-e', script] : ['--input-type=module', '-e', script];
  const { stdout } = await run(process.execPath, args, { cwd: ROOT });
  const ms = Number(stdout);
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`loading ${name} printed ${stdout}`);
  return ms;
}

export interface LoadTimes {
  /** Per package and system: the spread of each run's median, in milliseconds. */
  readonly ms: Record<string, Record<System, Spread>>;
  /** passport-whop's median over passport-oauth2's, per run. */
  readonly ratio: Record<System, Spread>;
  readonly samplesPerRun: number;
}

export async function measureLoadTimes(runs: number, samples: number): Promise<LoadTimes> {
  const medians: Record<string, Record<System, number[]>> = {};
  const ratios: Record<System, number[]> = { require: [], import: [] };
  for (let r = 0; r < runs; r++) {
    const times: Record<string, Record<System, number[]>> = {};
    for (let i = 0; i < samples; i++)
      for (const system of SYSTEMS)
        for (const name of PACKAGES)
          (times[name] ??= { require: [], import: [] })[system].push(await loadTime(name, system));
    for (const system of SYSTEMS) {
      for (const name of PACKAGES)
        (medians[name] ??= { require: [], import: [] })[system].push(
          spreadOf(times[name]![system]).median,
        );
      ratios[system].push(
        spreadOf(times['passport-whop']![system]).median /
          spreadOf(times['passport-oauth2']![system]).median,
      );
    }
  }
  const ms = Object.fromEntries(
    PACKAGES.map((name) => [
      name,
      { require: spreadOf(medians[name]!.require), import: spreadOf(medians[name]!.import) },
    ]),
  );
  return {
    ms,
    ratio: { require: spreadOf(ratios.require), import: spreadOf(ratios.import) },
    samplesPerRun: samples,
  };
}

export const loadTimeMeasurement: Measurement = {
  name: 'load-time',
  title: 'Loading the package in a fresh process (require and import), against passport-oauth2',
  async run({ settings, log }) {
    const samples = settings.quick ? 5 : 20;
    log(`  ${settings.runs} runs of ${samples} fresh processes per package and module system…`);
    const times = await measureLoadTimes(settings.runs, samples);
    const row = (system: System) =>
      `| \`${system}\` | ${PACKAGES.map((name) => formatSpread(times.ms[name]![system], 1)).join(' | ')} | ${formatSpread(times.ratio[system])} |`;
    const markdown = [
      `Milliseconds to load, median of ${samples} fresh processes per run, then the median (min–max) over ${settings.runs} runs:`,
      '',
      '| module system | passport-oauth2 | passport-whop | ratio |',
      '| --- | --- | --- | --- |',
      row('require'),
      row('import'),
    ].join('\n');
    return {
      markdown,
      targets: [
        {
          measure: 'Load time, `import` of passport-whop / passport-oauth2',
          value: formatSpread(times.ratio.import),
          target: `<= ${IMPORT_TARGET.toFixed(2)}`,
          pass: times.ratio.import.median <= IMPORT_TARGET,
        },
        {
          measure: 'Load time, `require` of passport-whop / passport-oauth2',
          value: formatSpread(times.ratio.require),
          target: '(for comparison)',
        },
      ],
      results: {
        samplesPerRun: samples,
        ratio: {
          require: roundSpread(times.ratio.require, 2),
          import: roundSpread(times.ratio.import, 2),
        },
        ms: Object.fromEntries(
          PACKAGES.map((name) => [
            name,
            {
              require: roundSpread(times.ms[name]!.require, 1),
              import: roundSpread(times.ms[name]!.import, 1),
            },
          ]),
        ),
      },
    };
  },
};

// A flow's runs summarised: each app's logins/s, latency, ratio to the peer and CPU above the
// floor, each a median with its spread; the verdict; the markdown table and results.json entry.
import type { Target } from '../measurement.js';
import {
  formatSignedSpread,
  formatSpread,
  round,
  roundSpread,
  spreadOf,
  type Spread,
} from '../stats.js';
import { APPS, type AppName, type LoginFlow } from './catalog.js';
import type { LoginSettings, LoginStats } from './driver.js';

/** Every app's stats in every run, in the order of `apps` (catalog.ts appsOf). */
export interface FlowRuns {
  readonly flow: LoginFlow;
  readonly apps: readonly AppName[];
  readonly settings: LoginSettings;
  readonly runs: readonly (readonly LoginStats[])[];
}

interface AppSummary {
  readonly name: AppName;
  /** Logins/s of each run. */
  readonly loginsPerSecond: Spread;
  /** Latency of each run (median over runs of each run's p50 and p99). */
  readonly p50: number;
  readonly p99: number;
  /** This app's logins/s over the peer's, in every round of every run. */
  readonly ratioToPeer: Spread;
  /** The same ratio, each run's logins over its whole duration. */
  readonly ratioToPeerByRun: readonly number[];
  /** CPU µs per login of each run. */
  readonly cpuMicrosPerLogin: Spread;
  /** Each run's CPU µs per login less the floor app's in the same run. */
  readonly aboveFloor: Spread;
}

function summarise(m: FlowRuns): AppSummary[] {
  const peer = m.apps.indexOf(m.flow.peer);
  const floor = m.apps.indexOf(m.flow.floor);
  return m.apps.map((name, i) => {
    const ofRuns = (pick: (stats: readonly LoginStats[]) => number) => spreadOf(m.runs.map(pick));
    return {
      name,
      loginsPerSecond: ofRuns((s) => s[i]!.loginsPerSecond),
      p50: ofRuns((s) => s[i]!.p50).median,
      p99: ofRuns((s) => s[i]!.p99).median,
      ratioToPeer: spreadOf(
        m.runs.flatMap((s) => s[i]!.roundRates.map((rate, r) => rate / s[peer]!.roundRates[r]!)),
      ),
      ratioToPeerByRun: m.runs.map((s) => s[i]!.loginsPerSecond / s[peer]!.loginsPerSecond),
      cpuMicrosPerLogin: ofRuns((s) => s[i]!.cpuMicrosPerLogin),
      aboveFloor: ofRuns((s) => s[i]!.cpuMicrosPerLogin - s[floor]!.cpuMicrosPerLogin),
    };
  });
}

const label = (name: AppName) => APPS[name].label;

function settingsLine(m: FlowRuns): string {
  const s = m.settings;
  return `${m.runs.length} runs (fresh processes each) × ${s.rounds} rounds of ${s.roundMs / 1000} s after ${s.warmup} warm-up logins, the apps under load together, ${s.concurrency} logins in flight each`;
}

/** The flow's table: every app with medians over runs (over rounds for the ratio) and spreads. */
export function flowMarkdown(m: FlowRuns): string {
  const rows = summarise(m).map((a) => {
    const ratio = a.name === m.flow.peer ? '1 (peer)' : formatSpread(a.ratioToPeer);
    const floor = a.name === m.flow.floor ? '(floor)' : formatSignedSpread(a.aboveFloor);
    const runs = a.ratioToPeerByRun.map((r) => r.toFixed(2)).join(', ');
    return `| ${label(a.name)} | ${a.loginsPerSecond.median.toFixed(0)} | ${a.p50.toFixed(1)} | ${a.p99.toFixed(1)} | ${ratio} | ${a.name === m.flow.peer ? '' : runs} | ${a.cpuMicrosPerLogin.median.toFixed(0)} | ${floor} |`;
  });
  return [
    `| App | Logins/s | p50 ms | p99 ms | vs peer: median of rounds (min–max) | vs peer: each run | CPU µs/login | above the floor: median (min to max) |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
    ...rows,
    '',
    `${settingsLine(m)}. Logins/s, latency and CPU: the median of the runs. CPU µs/login: the app's own process (the fake Whop and the load client run in others); above the floor: that less the floor app's in the same run.`,
  ].join('\n');
}

/** The verdict row (ratio to the peer), and CPU above the floor for WhopStrategy and its peer. */
export function flowTargets(m: FlowRuns, enoughRuns: boolean): Target[] {
  const summaries = summarise(m);
  const subject = summaries.find((a) => a.name === m.flow.subject)!;
  const peer = summaries.find((a) => a.name === m.flow.peer)!;
  const flowName = m.flow.name.replace(/^logins-/, '');
  const short = (name: AppName) => APPS[name].short;
  return [
    {
      measure: `${flowName}: logins/s, ${short(m.flow.subject)} / ${short(m.flow.peer)} (median of ${subject.ratioToPeer.n} rounds, min–max)`,
      value: formatSpread(subject.ratioToPeer),
      target: enoughRuns ? '>= 1.00' : '>= 1.00 (no verdict under 3 runs)',
      ...(enoughRuns && { pass: subject.ratioToPeer.median >= 1 }),
    },
    {
      measure: `${flowName}: CPU µs/login above the floor, ${short(m.flow.subject)}; ${short(m.flow.peer)} (median of runs, min to max)`,
      value: `${formatSignedSpread(subject.aboveFloor)}; ${formatSignedSpread(peer.aboveFloor)}`,
      target: '(for reference)',
    },
  ];
}

/** What results.json keeps of the flow. */
export function flowResults(m: FlowRuns) {
  return {
    settings: m.settings,
    runs: m.runs.length,
    subject: m.flow.subject,
    peer: m.flow.peer,
    floor: m.flow.floor,
    apps: Object.fromEntries(
      summarise(m).map((a) => [
        a.name,
        {
          label: label(a.name),
          loginsPerSecond: roundSpread(a.loginsPerSecond, 1),
          p50Ms: round(a.p50, 2),
          p99Ms: round(a.p99, 2),
          ratioToPeer: roundSpread(a.ratioToPeer, 3),
          ratioToPeerByRun: a.ratioToPeerByRun.map((r) => round(r, 3)),
          cpuMicrosPerLogin: roundSpread(a.cpuMicrosPerLogin, 0),
          aboveFloorMicros: roundSpread(a.aboveFloor, 0),
        },
      ]),
    ),
  };
}

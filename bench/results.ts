import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { STRATEGIES, type StrategyName } from './apps.js';
import type { AccessBench } from './access.js';
import type { CodeRecordHeap } from './code-record.js';
import type { LoginSettings, LoginStats } from './driver.js';
import type { RefreshCounts } from './refresh.js';

export const HEAP_TARGET_MIB = 64;

const LABELS: Record<StrategyName, string> = {
  whop: 'WhopStrategy (passport-whop)',
  oauth2: 'OAuth2Strategy (passport-oauth2)',
  github2: 'GitHubStrategy (passport-github2)',
  floor: 'Floor (passport-strategy + node:http)',
};

/** The strategy libraries, each measured against the floor. */
const LIBRARIES = STRATEGIES.filter((name) => name !== 'floor');

export interface Measurements {
  readonly settings: LoginSettings;
  readonly logins: Record<StrategyName, LoginStats>;
  readonly refreshes: RefreshCounts;
  readonly codeRecord: CodeRecordHeap;
  readonly access: AccessBench;
  readonly seconds: number;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const perStrategy = <T>(pick: (name: StrategyName) => T) =>
  Object.fromEntries(STRATEGIES.map((name) => [name, pick(name)])) as Record<StrategyName, T>;

/** What `bench/results.json` holds. */
export function toResults(m: Measurements) {
  const base = m.logins.oauth2.loginsPerSecond;
  const ratio = perStrategy((name) => round(m.logins[name].loginsPerSecond / base, 3));
  const roundRatios = m.logins.whop.roundRates.map(
    (rate, i) => rate / m.logins.oauth2.roundRates[i]!,
  );
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    machine: {
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      cpus: cpu.length,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadAverage1m: round(loadavg()[0]!, 2),
    },
    settings: m.settings,
    loginsPerSecond: perStrategy((name) => round(m.logins[name].loginsPerSecond, 1)),
    latencyMs: perStrategy((name) => ({
      p50: round(m.logins[name].p50, 2),
      p99: round(m.logins[name].p99, 2),
    })),
    ratioVsOAuth2: ratio,
    cpuMicrosPerLogin: perStrategy((name) => Math.round(m.logins[name].cpuMicrosPerLogin)),
    // Each library's own CPU per login: its app's CPU per login less the floor app's.
    overheadMicrosPerLogin: Object.fromEntries(
      LIBRARIES.map((name) => [
        name,
        Math.round(m.logins[name].cpuMicrosPerLogin - m.logins.floor.cpuMicrosPerLogin),
      ]),
    ) as Record<Exclude<StrategyName, 'floor'>, number>,
    // The whop/oauth2 ratio of each round alone: its spread shows the noise within this run.
    whopRatioByRound: roundRatios.map((r) => round(r, 3)),
    logins: perStrategy((name) => m.logins[name].logins),
    refreshRequests: { ...m.refreshes },
    codeRecordHeapMiB: round(m.codeRecord.totalMiB, 1),
    codeRecord: {
      codes: m.codeRecord.codes,
      heapUsedMiB: round(m.codeRecord.heapMiB, 2),
      arrayBuffersMiB: round(m.codeRecord.arrayBuffersMiB, 2),
      peakDuringFillMiB: round(m.codeRecord.peakMiB, 1),
      claimsPerSecond: Math.round(m.codeRecord.claimsPerSecond),
    },
    access: {
      cachedChecksPerSecond: Math.round(m.access.cachedChecksPerSecond),
      requestsFor1000ConcurrentFirstChecks: m.access.requestsFor1000ConcurrentChecks,
      cacheEntries: m.access.cache.entries,
      cacheMiB: round(m.access.cache.heapMiB, 1),
      cacheBytesPerEntry: Math.round(m.access.cache.bytesPerEntry),
    },
    targets: {
      loginsRatio: {
        target: 'whop logins/s >= oauth2 logins/s',
        value: ratio.whop,
        pass: ratio.whop >= 1,
      },
      refresh: {
        target: '100 concurrent refreshAccessToken calls -> 1 request',
        value: m.refreshes.whop,
        pass: m.refreshes.whop === 1,
      },
      codeRecordHeap: {
        target: `< ${HEAP_TARGET_MIB} MiB at 1,000,000 codes`,
        value: round(m.codeRecord.totalMiB, 1),
        pass: m.codeRecord.totalMiB < HEAP_TARGET_MIB,
      },
      accessSingleFlight: {
        target: '1,000 concurrent first checkAccess calls of one user and resource -> 1 request',
        value: m.access.requestsFor1000ConcurrentChecks,
        pass: m.access.requestsFor1000ConcurrentChecks === 1,
      },
    },
    durationSeconds: round(m.seconds, 1),
  };
}

export type Results = ReturnType<typeof toResults>;

/** `+58`, `-34`: a CPU difference with its sign (noise can put a strategy below the floor). */
function signed(micros: number): string {
  return micros < 0 ? `${micros}` : `+${micros}`;
}

/** The results as docs/performance.md shows them: markdown tables, which also read well in a terminal. */
export function toMarkdown(r: Results): string {
  const pass = (ok: boolean) => (ok ? 'pass' : 'MISS');
  const rows = STRATEGIES.map(
    (name) =>
      `| ${LABELS[name]} | ${r.loginsPerSecond[name].toFixed(0)} | ${r.latencyMs[name].p50.toFixed(1)} | ${r.latencyMs[name].p99.toFixed(1)} | ${r.ratioVsOAuth2[name].toFixed(2)} | ${r.cpuMicrosPerLogin[name]} | ${name === 'floor' ? '(floor)' : signed(r.overheadMicrosPerLogin[name])} |`,
  );
  const spread = r.whopRatioByRound;
  return [
    `| Strategy | Logins/s | p50 ms | p99 ms | vs OAuth2Strategy | CPU µs/login | above the floor |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
    ...rows,
    '',
    `WhopStrategy / OAuth2Strategy by round: ${Math.min(...spread).toFixed(2)} to ${Math.max(...spread).toFixed(2)} (${spread.length} rounds of ${r.settings.roundMs / 1000} s, all apps at once, ${r.settings.concurrency} logins in flight each). CPU µs/login: each app's own process (the fake Whop and the client run in others); above the floor: that less the floor app's, the strategy library's own CPU per login.`,
    '',
    `| Measure | Result | Target | |`,
    `| --- | ---: | --- | --- |`,
    `| Logins/s, WhopStrategy / OAuth2Strategy | ${r.ratioVsOAuth2.whop.toFixed(2)} | >= 1.00 | ${pass(r.targets.loginsRatio.pass)} |`,
    `| Token requests, 100 concurrent \`refreshAccessToken\` | ${r.refreshRequests.whop} | 1 | ${pass(r.targets.refresh.pass)} |`,
    `| Token requests, 100 concurrent passport-oauth2-refresh | ${r.refreshRequests.passportOauth2Refresh} | (for comparison) | |`,
    `| \`MemoryCodeStore\` at 1,000,000 codes (heap + typed arrays) | ${r.codeRecordHeapMiB.toFixed(1)} MiB | < ${HEAP_TARGET_MIB} MiB | ${pass(r.targets.codeRecordHeap.pass)} |`,
    `| Access requests, 1,000 concurrent first \`checkAccess\` of one user and resource | ${r.access.requestsFor1000ConcurrentFirstChecks} | 1 | ${pass(r.targets.accessSingleFlight.pass)} |`,
    `| \`checkAccess\` answered from its cache, checks/s on one core | ${r.access.cachedChecksPerSecond.toLocaleString('en-US')} | (for reference) | |`,
    `| \`checkAccess\` cache at ${r.access.cacheEntries.toLocaleString('en-US')} answers (heap + array buffers) | ${r.access.cacheMiB.toFixed(1)} MiB (${r.access.cacheBytesPerEntry} B each) | (for reference) | |`,
    '',
    `${r.date.slice(0, 10)}, ${r.machine.cpus} × ${r.machine.cpuModel}, Node.js ${r.machine.node}, ${r.machine.platform}.`,
  ].join('\n');
}

export async function writeResults(path: URL, results: Results): Promise<void> {
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}

// The fuzz suite's runner and its process-wide checks (test/fuzz/*.test.ts).
//
// Every property runs twice in `npm test`: with FIXED_SEED, so CI compares like with like from
// one commit to the next, and with a random seed, printed once per run, so new inputs keep
// coming. To replay a failure, run the seed it printed (fast-check's message also gives `path`):
//
//   FUZZ_SEED=<seed> npx mocha test/fuzz/<file>.test.ts
//   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx mocha test/fuzz/<file>.test.ts --grep '<property>'
//
// FUZZ_RUNS=<n> multiplies the number of runs of every property, for a longer campaign.
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { AuthorizationError, InternalOAuthError, TokenError } from '../../src/index.js';

/** The seed every run of the suite uses, beside a random one. */
export const FIXED_SEED = 20_261_201;

const replaySeed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const randomSeed = randomBytes(4).readInt32LE(0);
const scale = Number(process.env.FUZZ_RUNS ?? 1);
let announced = false;

/** The seeds to run: the fixed and the random one, or only FUZZ_SEED when replaying. */
export function seeds(): number[] {
  if (replaySeed !== undefined) {
    if (!Number.isInteger(replaySeed)) throw new TypeError('FUZZ_SEED must be an integer');
    return [replaySeed];
  }
  if (!announced) {
    announced = true;
    console.log(
      `      fuzz seeds: ${FIXED_SEED} (fixed) and ${randomSeed} (random); replay one with FUZZ_SEED=${randomSeed}`,
    );
  }
  return [FIXED_SEED, randomSeed];
}

/** How long a case still running at its property's time limit is waited for. */
const STRAGGLER_MS = 30_000;

/**
 * Check `property` with each seed, `runs` runs each, each seed's share cut short after `limitMs`:
 * the limits of all properties add up to about 15 s a seed, so the suite stays near 30 s on a
 * busy machine (it runs fewer cases then), and a property that fails on slow cases does not
 * spend minutes shrinking.
 *
 * fast-check stops waiting for the case running at the limit, but the case itself runs on: it
 * is awaited here, and checked, before the next seed or property starts, so that its requests
 * never reach the shared fake Whop during another case.
 */
export async function assertProperty<Ts>(
  property: fc.IAsyncPropertyWithHooks<Ts>,
  runs: number,
  limitMs: number,
): Promise<void> {
  for (const seed of seeds()) {
    const cases = new CaseTracker(property);
    try {
      await fc.assert(cases.property, {
        seed,
        numRuns: Math.max(1, Math.round(runs * scale)),
        path: process.env.FUZZ_PATH,
        interruptAfterTimeLimit: limitMs * scale,
        reporter: report,
      });
      await cases.straggler();
    } catch (error) {
      await cases.straggler().catch(() => undefined);
      const replay = `replay: FUZZ_SEED=${seed} npx mocha <this file>`;
      (error as Error).message = `fuzz seed ${seed} (${replay})\n${(error as Error).message}`;
      throw error;
    }
  }
}

type RunResult = Awaited<ReturnType<fc.IAsyncProperty<unknown>['run']>>;

/** A property whose latest case is kept, so that one fast-check stopped waiting for is awaited. */
class CaseTracker<Ts> {
  readonly property: fc.IAsyncProperty<Ts>;
  private latest: { input: Ts; outcome: Promise<RunResult> } | undefined;

  constructor(inner: fc.IAsyncProperty<Ts>) {
    this.property = {
      isAsync: () => true,
      generate: (random, runId) => inner.generate(random, runId),
      shrink: (value) => inner.shrink(value),
      run: (input) => {
        const outcome = inner.run(input);
        this.latest = { input, outcome };
        return outcome;
      },
      runBeforeEach: () => inner.runBeforeEach(),
      runAfterEach: () => inner.runAfterEach(),
    };
  }

  /**
   * Waits for the latest case to end (at most 30 s); throws when it failed, as fast-check would
   * have had it not stopped waiting, or never ended.
   */
  async straggler(): Promise<void> {
    const latest = this.latest;
    if (latest === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(resolve, STRAGGLER_MS, 'late');
    });
    const result = await Promise.race([latest.outcome, late]).finally(() => clearTimeout(timer));
    const input = fc.stringify(latest.input);
    if (result === 'late')
      throw new Error(
        `a case ran on for more than ${STRAGGLER_MS} ms after the time limit: ${input}`,
      );
    if (result !== null && 'error' in result)
      throw new Error(`the case running at the time limit failed\nCounterexample: ${input}`, {
        cause: result.error,
      });
  }
}

/** fast-check's report, with runs of one repeated piece (a huge value) written once with a count. */
function report<Ts>(details: fc.RunDetails<Ts>): void {
  if (!details.failed) return;
  const message = fc
    .defaultReportMessage(details)!
    .replace(
      /((?:%[0-9A-F]{2}){1,4}|[^%]{1,4}?)\1{15,}/g,
      (run, unit: string) => `${unit}…(×${run.length / unit.length})`,
    );
  throw new Error(message, { cause: details.errorInstance });
}

type Snapshot = ReadonlyMap<string | symbol, PropertyDescriptor>;

function snapshotPrototype(): Snapshot {
  return new Map(
    Reflect.ownKeys(Object.prototype).map((key) => [
      key,
      Object.getOwnPropertyDescriptor(Object.prototype, key)!,
    ]),
  );
}

function describeReason(reason: unknown): string {
  return reason instanceof Error ? (reason.stack ?? String(reason)) : inspect(reason);
}

/**
 * What the process saw while a property ran: unhandled rejections, uncaught exceptions, the
 * warnings Node printed (a deprecation warning may quote a URL), and any change to
 * Object.prototype.
 */
export class ProcessWatch {
  readonly warnings: Error[] = [];
  private readonly problems: string[] = [];
  private readonly prototype = snapshotPrototype();
  private readonly onRejection = (reason: unknown) =>
    this.problems.push(`unhandled rejection: ${describeReason(reason)}`);
  private readonly onException = (error: unknown) =>
    this.problems.push(`uncaught exception: ${describeReason(error)}`);
  private readonly onWarning = (warning: Error) => this.warnings.push(warning);

  start(): this {
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtException', this.onException);
    process.on('warning', this.onWarning);
    return this;
  }

  stop(): void {
    process.off('unhandledRejection', this.onRejection);
    process.off('uncaughtException', this.onException);
    process.off('warning', this.onWarning);
  }

  /**
   * Throws when anything went wrong since the last call. Waits a turn of the event loop first:
   * Node reports an unhandled rejection after the microtasks of the turn it happened in.
   */
  async check(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    const now = snapshotPrototype();
    for (const key of new Set([...now.keys(), ...this.prototype.keys()])) {
      const before = this.prototype.get(key);
      const after = now.get(key);
      if (before?.value !== after?.value || before?.get !== after?.get)
        this.problems.push(`Object.prototype.${String(key)} was changed`);
    }
    if (this.problems.length > 0) {
      const problems = this.problems.splice(0);
      throw new Error(problems.join('\n'));
    }
  }
}

/**
 * Every text an error shows, to a log or a person: `message`, `stack`, `String(err)`, every own
 * field, enumerable or not, and its key, at any depth (an AggregateError's `errors`, every
 * `cause`); Express's log line (`err.stack || err.toString()`) and what `console.error(err)`
 * prints (util.inspect), hidden fields included.
 */
export function textsOf(error: unknown): string[] {
  const texts: string[] = [];
  const seen = new Set<unknown>();
  const safe = (text: () => unknown) => {
    try {
      texts.push(String(text()));
    } catch (thrown) {
      texts.push(`<unprintable: ${(thrown as Error)?.message}>`);
    }
  };
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const value = pending.pop();
    if (seen.has(value)) continue;
    if (typeof value === 'string') {
      texts.push(value);
      continue;
    }
    if (typeof value !== 'object' || value === null) {
      safe(() => value);
      continue;
    }
    seen.add(value);
    if (value instanceof Error) safe(() => value);
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key === 'string') texts.push(key);
      const field = Reflect.getOwnPropertyDescriptor(value, key);
      if (field && 'value' in field) pending.push(field.value);
    }
  }
  safe(() => inspect(error, { depth: Infinity, showHidden: true }));
  safe(() => (error instanceof Error ? (error.stack ?? error.toString()) : error));
  return texts;
}

/** Marks a generated secret: `fz`, ten random characters, `_`. No other text contains one. */
const MARKER = /^fz[a-z0-9]{10}_/;

/** A fresh marker for a secret this suite makes up (a code, a token). */
export function marker(): string {
  return `fz${randomBytes(8).toString('hex').slice(0, 10)}_`;
}

/**
 * The ways a secret may be written: as is; URL- or form-encoded (either hex case); escaped as
 * JSON (once or twice), by inspect, by the package's quoting (`\u000d`) or as HTML; base64.
 */
// C0 and C1 controls, DEL and the line separators, which the package writes as `\u000a`.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function formsOf(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = [
    secret,
    json,
    JSON.stringify(json).slice(1, -1),
    inspect(secret).slice(1, -1),
    secret.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    secret
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;'),
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    Buffer.from(secret).toString('base64url'),
  ];
  try {
    for (const encoded of [
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
    ])
      forms.push(
        encoded,
        encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
      );
  } catch {
    // a lone surrogate cannot be URL-encoded, so it is not written that way either
  }
  // A marked secret shows even when cut short or escaped past its marker.
  const head = MARKER.exec(secret);
  if (head) forms.push(head[0]);
  return forms;
}

/**
 * The secrets that appear in `texts`. Only distinctive secrets are looked for (a marked one, or
 * 8 characters or more of at least 5 different ones): a code `a` is in every message.
 */
export function leaksIn(texts: readonly string[], secrets: Iterable<string>): string[] {
  const leaks: string[] = [];
  for (const secret of new Set(secrets)) {
    if (!MARKER.test(secret) && (secret.length < 8 || new Set(secret).size < 5)) continue;
    if (formsOf(secret).some((form) => texts.some((text) => text.includes(form))))
      leaks.push(secret);
  }
  return leaks;
}

/** Throws when any secret appears in any text of `errors`, naming the secret and the text. */
export function assertNoLeak(errors: readonly unknown[], secrets: Iterable<string>): void {
  const all = [...secrets];
  for (const error of errors) {
    const texts = textsOf(error);
    const leaks = leaksIn(texts, all);
    if (leaks.length > 0) {
      throw new Error(
        `a secret (${leaks.map((s) => inspect(s.slice(0, 40))).join(', ')}) appears in ${inspect(texts[0]?.slice(0, 400))}`,
      );
    }
  }
}

/** Whether an error is one of the types this package documents. */
export function isDocumentedError(error: unknown): boolean {
  return (
    error instanceof TokenError ||
    error instanceof AuthorizationError ||
    error instanceof InternalOAuthError ||
    error instanceof TypeError
  );
}

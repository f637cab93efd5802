// The differential harness: one scenario run through passport-oauth2's OAuth2Strategy and
// through WhopStrategy, each in its own Express 5 + express-session + passport app, against
// one loopback fake Whop, and what Passport did reduced to plain data that can be compared.
import OAuth2Strategy, { InternalOAuthError } from 'passport-oauth2';
import { WhopStrategy, parseProfile } from '../../src/index.js';
import type { Browser } from './app.js';
import { PROFILE_PATH, TOKEN_PATH, type Answer, type FakeWhop } from './fake-whop.js';
import { passportApp, type Observation, type PassportAppOptions } from './passport-app.js';

export type Kind = 'oauth2' | 'whop';
type Ctor = new (options: never, verify: never) => OAuth2Strategy;
type Verify = (...args: never[]) => unknown;

/** What a scenario's verify function records, and what it hands to `done`. */
export interface Run {
  readonly kind: Kind;
  readonly calls: { self: unknown; args: unknown[] }[];
  /** The `info` the verify function gave, to tell whether req.authInfo is that very object. */
  info?: unknown;
}

export interface Scenario {
  /** Options of both strategies (beyond the client, the URLs and `state`). */
  readonly options?: Record<string, unknown>;
  /** A subclass of either strategy: the hooks under test. */
  readonly subclass?: (Base: Ctor) => Ctor;
  /** The verify function, given the run it records into. */
  readonly verify?: (run: Run) => Verify;
  readonly start?: Record<string, unknown>;
  readonly callback?: Record<string, unknown>;
  readonly trustProxy?: boolean;
  /** Headers of both requests (say X-Forwarded-*). */
  readonly headers?: Record<string, string>;
  /** The callback's query, beside the state; default a new code. */
  readonly query?: Record<string, string>;
  /** The callback comes from another browser (another host's cookies, a lost session). */
  readonly callbackElsewhere?: boolean;
  /** Query parameters given a second time on the callback (say, two error_description). */
  readonly queryTwice?: Record<string, string>;
  /** The `scope` Whop echoes on the callback, beside the code. */
  readonly echo?: string;
  /** Whop's answers. */
  readonly token?: Answer;
  readonly profile?: Answer;
  /** passport-oauth2 with its own defaults (no state), rather than configured as WhopStrategy is. */
  readonly bare?: boolean;
  /** Called with each strategy before its login (say, to set an agent). */
  readonly prepare?: (strategy: OAuth2Strategy, run: Run) => void;
  /** The app around the strategy: passport's and Express's versions, the session, a custom callback. */
  readonly host?: Pick<PassportAppOptions, 'passport' | 'express' | 'session' | 'custom'>;
}

/** The default verify: the profile form, logging in the profile's id. */
export function profileForm(run: Run): Verify {
  return function (this: unknown, ...args: unknown[]) {
    run.calls.push({ self: this, args });
    const profile = args[2] as { id?: string } | undefined;
    (args[3] as (e: null, u: unknown) => void)(null, { id: profile?.id ?? 'no profile' });
  } as Verify;
}

/** passport-oauth2's strategy as an app would configure it for Whop: the profile from `/me`. */
function oauth2Class(profileURL: string): Ctor {
  return class WhopLikeOAuth2Strategy extends OAuth2Strategy {
    constructor(options: OAuth2Strategy.StrategyOptions, verify: OAuth2Strategy.VerifyFunction) {
      super(options, verify);
      this.name = 'oauth2';
      this._oauth2.useAuthorizationHeaderforGET(true);
    }
    override userProfile(accessToken: string, done: (err?: unknown, profile?: unknown) => void) {
      this._oauth2.get(profileURL, accessToken, (err, body) => {
        if (err) return done(new InternalOAuthError('Failed to fetch user profile', err));
        try {
          done(null, parseProfile(String(body)));
        } catch (error) {
          done(error);
        }
      });
    }
  } as unknown as Ctor;
}

/** The strategy of `kind` for `scenario`, against `whop`. */
export function strategyFor(kind: Kind, scenario: Scenario, whop: FakeWhop, run: Run) {
  const common = {
    clientID: 'app_test',
    clientSecret: 'secret_test',
    callbackURL: '/callback',
    authorizationURL: `${whop.url}/oauth`,
    tokenURL: `${whop.url}${TOKEN_PATH}`,
  };
  const Base =
    kind === 'whop' ? (WhopStrategy as unknown as Ctor) : oauth2Class(`${whop.url}${PROFILE_PATH}`);
  const Class = scenario.subclass ? scenario.subclass(Base) : Base;
  // passport-oauth2 keeps no state unless told; WhopStrategy keeps it by default, in the same
  // session store passport-oauth2 picks for `store: true`.
  const options =
    kind === 'whop'
      ? { ...common, userProfileURL: `${whop.url}${PROFILE_PATH}`, ...scenario.options }
      : { ...common, ...(!scenario.bare && { state: true, store: true }), ...scenario.options };
  const verify = (scenario.verify ?? profileForm)(run);
  return new Class(options as never, verify as never);
}

/** An error as comparable data. */
function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  const { code, status, uri, oauthError } = error as unknown as Record<string, unknown>;
  // node-oauth's `{ statusCode, data }` as data; a transport error by its class and message.
  const oauth = oauthError instanceof Error ? describeError(oauthError) : oauthError;
  // The app's own fields, each with its class: an error the app made reaches its handler as made.
  // `step` and `retryAfter` are this package's own, on its errors only (compatibility.md item 24).
  const shown = ['name', 'message', 'code', 'status', 'uri', 'oauthError', 'step', 'retryAfter'];
  const fields = Object.keys(error)
    .filter((key) => !shown.includes(key))
    .map((key) => {
      const value = (error as unknown as Record<string, unknown>)[key];
      return `${key}: ${(value as object | undefined)?.constructor?.name ?? typeof value}`;
    });
  return {
    class: error.constructor.name,
    message: error.message,
    code,
    status,
    uri,
    oauth,
    fields,
  };
}

/** An argument of verify as comparable data. */
function describeArg(arg: unknown): unknown {
  if (typeof arg === 'function') return 'done';
  if (arg !== null && typeof arg === 'object' && 'headers' in arg && 'method' in arg) return 'req';
  return arg === undefined ? 'undefined' : JSON.parse(JSON.stringify(arg));
}

// Long enough that a loaded machine's slow answer is not taken for a hang; only the cases where a
// strategy really never answers wait this long.
const HANG_MS = 5_000;

/** GET `path`, or `{ status: 0 }` when Passport never answers. */
async function observeOrHang(
  observe: () => Promise<Observation>,
): Promise<Observation | { status: 0 }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<{ status: 0 }>((resolve) => {
    timer = setTimeout(() => resolve({ status: 0 }), HANG_MS);
  });
  const observed = observe();
  observed.catch(() => undefined);
  try {
    return await Promise.race([observed, hang]);
  } finally {
    clearTimeout(timer);
  }
}

// Each login its own code: the strategy refuses a code it already exchanged (in this process).
let logins = 0;

/** What Passport did with one login of `scenario` through the strategy of `kind`. */
export async function runLogin(kind: Kind, scenario: Scenario, whop: FakeWhop) {
  const code = `code_${++logins}_of_this_run`;
  whop.reset();
  if (scenario.token) whop.token = scenario.token;
  if (scenario.profile) whop.profile = scenario.profile;
  const run: Run = { kind, calls: [] };
  const strategy = strategyFor(kind, scenario, whop, run);
  scenario.prepare?.(strategy, run);
  const app = await passportApp(strategy as never, {
    start: scenario.start,
    callback: scenario.callback,
    trustProxy: scenario.trustProxy,
    ...scenario.host,
  });
  try {
    const browser: Browser = app.browser();
    const started = await app.observe(browser, '/login', scenario.headers);
    const location = started.location ?? '';
    const state = location.startsWith('http') ? new URL(location).searchParams.get('state') : null;
    const query = new URLSearchParams({
      ...(scenario.query ?? { code, ...(scenario.echo !== undefined && { scope: scenario.echo }) }),
      ...(state !== null && { state }),
    });
    for (const [name, value] of Object.entries(scenario.queryTwice ?? {}))
      query.append(name, value);
    const finished = await observeOrHang(() =>
      app.observe(
        scenario.callbackElsewhere ? app.browser() : browser,
        `/callback?${query}`,
        scenario.headers,
      ),
    );
    const result = {
      start: {
        status: started.status,
        location,
        error: started.error === undefined ? undefined : describeError(started.error),
      },
      callback: describeObservation(finished, run),
      verify: run.calls.map(({ self, args }) => ({
        this:
          typeof self === 'object' && self !== null && Object.getPrototypeOf(self) === strategy
            ? 'the strategy'
            : typeof self,
        args: args.map(describeArg),
      })),
      token: whop.to(TOKEN_PATH).map((r) => [...r.form].sort(byPair)),
      profileRequests: whop.to(PROFILE_PATH).length,
      // How the token reached the profile endpoint, and the app's own header on each request.
      sent: whop.received.map((r) => ({
        path: r.path,
        search: r.search,
        authorization: r.headers.authorization,
        custom: r.headers['x-custom'],
      })),
    };
    // As JSON, with the app's own address (a port of its own) written the same for both apps,
    // and random states, PKCE challenges and verifiers, and the company's signature written
    // as what they are.
    const text = JSON.stringify(result)
      .replace(/([?&]state=)[\w-]{16,}/g, '$1<state>')
      .replace(/(<state>\.biz_\w+\.)[\w-]{22}/g, '$1<signature>')
      .replace(/([?&]code_challenge=)[\w-]{43}/g, '$1<challenge>')
      .replace(/("code_verifier",")[\w-]{43}"/g, '$1<verifier>"')
      .split(code)
      .join('<code>')
      .split(app.url)
      .join('<app>')
      .split(encodeURIComponent(app.url))
      .join('<app>');
    return JSON.parse(text) as typeof result;
  } finally {
    await app.close();
  }
}

function byPair(a: readonly [string, string], b: readonly [string, string]): number {
  return a[0] === b[0] ? a[1].localeCompare(b[1]) : a[0].localeCompare(b[0]);
}

function describeObservation(observed: Observation | { status: 0 }, run: Run) {
  if (observed.status === 0) return { status: 'no answer' };
  const o = observed as Observation;
  return {
    status: o.status,
    location: o.location,
    error: 'error' in o ? describeError(o.error) : undefined,
    user: o.user,
    authInfo: o.authInfo === undefined ? undefined : describeArg(o.authInfo),
    authInfoIsInfo: run.info === undefined ? undefined : o.authInfo === run.info,
    messages: o.messages,
  };
}

export type Result = Awaited<ReturnType<typeof runLogin>>;

/** A copy of `value` without the field at `path` (dot-separated; array indexes as numbers). */
export function without(value: unknown, path: string): unknown {
  const copy = JSON.parse(JSON.stringify(value ?? null)) as Record<string, unknown>;
  const keys = path.split('.');
  let target: Record<string, unknown> | undefined = copy;
  for (const key of keys.slice(0, -1))
    target = target?.[key] as Record<string, unknown> | undefined;
  if (target) delete target[keys[keys.length - 1]!];
  return copy;
}

/** The value at `path`. */
export function at(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], value);
}

// The same scenarios through passport-oauth2's OAuth2Strategy and through WhopStrategy, against
// one fake Whop, comparing what Passport does. Every difference is either gone or listed here as
// intended, pointing at its item in docs/compatibility.md (the one list of intended differences).
import { readFileSync } from 'node:fs';
import { Agent, Agent as HttpAgent } from 'node:http';
import vm from 'node:vm';
import { expect } from 'chai';
import nock from 'nock';
import type OAuth2Strategy from 'passport-oauth2';
import { TokenError } from 'passport-oauth2';
import ts from 'typescript';
import { refreshAccessToken, revokeToken, WhopStrategy } from '../src/index.js';
import { FakeWhop, json, REVOKE_PATH, TOKEN, TOKEN_PATH } from './support/fake-whop.js';
import {
  at,
  runLogin,
  strategyFor,
  without,
  type Result,
  type Run,
  type Scenario,
} from './support/differential.js';

/** docs/compatibility.md's list, as this suite knows it: item number → its bold title. */
const INTENDED: Readonly<Record<number, string>> = {
  1: 'A code is exchanged at most once.',
  2: 'The company Whop echoes is checked.',
  3: '`callbackURL` is checked at construction',
  4: '`scope` is checked',
  5: 'A returned promise settles the login too',
  6: '`params.expires_at`',
  7: "`TokenError.status` is Whop's real HTTP status",
  8: 'Every request to Whop reads at most 1 MiB of the answer and refuses redirects',
  9: 'The access token goes to the profile endpoint in the `Authorization` header',
  10: 'No secret, code or token appears in an error',
  11: "A company login's `state` carries the company, signed",
  12: 'Through passport-oauth2-refresh',
  13: 'A callback path resolves on hosts whose request has no `connection`',
  14: '`timeout` is one deadline for the whole callback',
  15: 'A malformed callback fails with 400 before the state is consumed',
  16: "Messages name Whop's error code when Whop sent no description",
  17: 'Store errors are typed',
  18: 'Every strategy of a process without a `codeStore` shares one code record',
  19: '`expires_in` is accepted only from 0 to 10 years of seconds',
  20: 'With `openid` asked for in OAuth 2.1, a token response without `id_token` fails',
  21: '`done` decides once.',
  22: 'The state is kept by default',
  23: 'The state error of a session with no login names its usual causes.',
  24: "This package's `InternalOAuthError`s carry a stable `code`",
  25: 'A token answer must be a JSON object whose `access_token` is a string',
  26: 'Failures say a `code`',
  27: 'Requests to Whop send `Accept: application/json` and no `User-Agent`',
  28: 'Without a session, the error says how to fix it',
  29: 'A broken answer or profile hook ends the login',
};

/** A difference a scenario is allowed: the field that differs, and the item that says why. */
interface Difference {
  readonly path: string;
  readonly item: keyof typeof INTENDED;
}

interface Case extends Scenario {
  readonly name: string;
  readonly intended?: readonly Difference[];
}

type Done = (err: unknown, user?: unknown, info?: unknown) => void;
type Args = unknown[];

/** A verify function of `length` parameters that records its call and then does `then`. */
function verifyOf(length: number, then: (args: Args, run: Run) => unknown) {
  return (run: Run) => {
    const fn = function (this: unknown, ...args: Args) {
      run.calls.push({ self: this, args });
      return then(args, run);
    };
    return Object.defineProperty(fn, 'length', { value: length }) as (...a: never[]) => unknown;
  };
}
const last = (args: Args) => args[args.length - 1] as Done;
const loginAs = (user: unknown) => (args: Args) => last(args)(null, user);

/** A state store of the given `store` and `verify` arity, as apps write them. */
function stateStore(storeArity: 2 | 3 | 4 | 5, verifyArity: 3 | 4) {
  // One login at a time: the runs through the two strategies take turns.
  const kept = new Map<string, unknown>();
  const store = (...args: unknown[]) => {
    const cb = args[args.length - 1] as (err: null, handle: string) => void;
    const handle = `handle-${args.length}`;
    // The app state (4 and 5 parameters) is given back on the callback.
    kept.set(handle, storeArity >= 4 ? args[storeArity - 3] : undefined);
    cb(null, handle);
  };
  const verify = (...args: unknown[]) => {
    const cb = args[args.length - 1] as (err: null, ok: boolean, state?: unknown) => void;
    const handle = args[1] as string;
    if (!kept.has(handle)) return cb(null, false, { message: 'unknown state handle' });
    cb(null, true, kept.get(handle));
  };
  return {
    store: Object.defineProperty(store, 'length', { value: storeArity }),
    verify: Object.defineProperty(verify, 'length', { value: verifyArity }),
  };
}

/** A state store that keeps only `state.returnTo`, as apps write one (five parameters). */
function returnToStore() {
  const kept = new Map<string, unknown>();
  return {
    store(
      _req: unknown,
      _verifier: unknown,
      state: { returnTo?: string },
      _meta: unknown,
      cb: Done,
    ) {
      kept.set('handle-returnTo', state.returnTo);
      cb(null, 'handle-returnTo');
    },
    verify(_req: unknown, handle: string, cb: Done) {
      if (!kept.has(handle)) return cb(null, false, { message: 'unknown state handle' });
      cb(null, true, { returnTo: kept.get(handle) });
    },
  };
}

/** The strategy's passport-oauth2 members, as the tests change them. */
function membersOf(strategy: object) {
  return strategy as unknown as Record<string, unknown>;
}

/** node-oauth's client of a strategy, as tests change it. */
interface TestOAuth2 {
  setAuthMethod(method: string): void;
  setAccessTokenName(name: string): void;
  useAuthorizationHeaderforGET(use: boolean): void;
  _customHeaders: Record<string, string> | undefined;
  getOAuthAccessToken: (
    code: string,
    params: unknown,
    callback: (err: unknown, at?: string, rt?: string, params?: unknown) => void,
  ) => void;
  get: (url: string, token: string, callback: (err: unknown, body?: string) => void) => void;
}

function oauth2Of(strategy: object): TestOAuth2 {
  return (strategy as unknown as { _oauth2: TestOAuth2 })._oauth2;
}

/** A verify function compiled with `tsc --target es2016` (async becomes a generator). */
function compiledES2016(source: string): (...args: never[]) => unknown {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2016, module: ts.ModuleKind.CommonJS },
  });
  const module = { exports: {} as { verify?: (...args: never[]) => unknown } };
  vm.runInThisContext(`(function (exports, module) {${outputText}\n})`)(module.exports, module);
  return module.exports.verify!;
}

const NATIVE_ASYNC = `export const verify = async function (accessToken, refreshToken, profile) {
  return { id: profile.id };
};`;

/** An agent that counts the requests sent through it. */
function countingAgent(): Agent & { sent: number } {
  const agent = Object.assign(new Agent(), { sent: 0 });
  const { addRequest } = agent as unknown as { addRequest: (...a: unknown[]) => void };
  (agent as unknown as { addRequest: (...a: unknown[]) => void }).addRequest = (...args) => {
    agent.sent += 1;
    addRequest.apply(agent, args);
  };
  return agent;
}

const cases: Case[] = [
  {
    name: "each strategy's defaults",
    bare: true,
    intended: [{ path: 'start.location', item: 22 }],
  },
  { name: 'a login, callback verify in the profile form' },
  {
    name: 'a login, callback verify in the params form (five parameters)',
    verify: verifyOf(5, loginAs({ id: 'p' })),
    intended: [{ path: 'verify.0.args.2.expires_at', item: 6 }],
  },
  {
    name: 'six parameters without passReqToCallback: the profile form',
    verify: verifyOf(6, loginAs({ id: 'six' })),
  },
  {
    name: 'passReqToCallback: 1 (truthy), six parameters',
    options: { passReqToCallback: 1 },
    verify: verifyOf(6, loginAs({ id: 'req' })),
    intended: [{ path: 'verify.0.args.3.expires_at', item: 6 }],
  },
  {
    name: 'passReqToCallback: true, five parameters',
    options: { passReqToCallback: true },
    verify: verifyOf(5, loginAs({ id: 'req' })),
  },
  {
    name: "NestJS's callbackArity wrapper around validate(accessToken, refreshToken, profile)",
    verify: (run) => {
      const validate = async (...args: Args) => {
        run.calls.push({ self: undefined, args });
        return { id: 'nest' };
      };
      const callback = async (...params: Args) => {
        try {
          last(params)(null, await validate(...params));
        } catch (error) {
          last(params)(error);
        }
      };
      return Object.defineProperty(callback, 'length', { value: 3 + 1 });
    },
  },
  {
    name: 'a verify compiled with tsc --target es2016 that also calls done',
    verify: (run) => {
      const compiled = compiledES2016(`export const verify = async function (a, r, profile, done) {
        done(null, { id: profile.id });
      };`);
      return function (this: unknown, ...args: Args) {
        run.calls.push({ self: this, args });
        return (compiled as (...a: Args) => unknown).apply(this, args);
      } as never;
    },
  },
  {
    name: 'a callback verify that also returns a promise resolving "OK" after done',
    verify: verifyOf(4, (args) =>
      Promise.resolve().then(() => {
        last(args)(null, { id: 'done' });
        return 'OK';
      }),
    ),
  },
  {
    name: 'a callback verify that returns a promise resolving undefined, then calls done',
    verify: verifyOf(4, (args) => {
      setImmediate(() => last(args)(null, { id: 'later' }));
      return Promise.resolve(undefined);
    }),
  },
  {
    name: 'an async verify that resolves the user and never calls done',
    verify: verifyOf(3, async () => ({ id: 'async' })),
    intended: [{ path: 'callback', item: 5 }],
  },
  {
    name: 'done called twice',
    verify: verifyOf(4, (args) => {
      last(args)(null, { id: 'first' });
      last(args)(null, false, { message: 'second' });
    }),
    intended: [{ path: 'callback', item: 21 }],
  },
  {
    name: 'done(null, false, "a string")',
    verify: verifyOf(4, (args) => last(args)(null, false, 'not invited')),
  },
  {
    name: 'done(null, false, { message })',
    verify: verifyOf(4, (args) => last(args)(null, false, { message: 'not a member' })),
  },
  {
    name: 'done(err)',
    verify: verifyOf(4, (args) => last(args)(new TypeError('db down'))),
  },
  {
    name: "verify's done(err) with the app's own fields, one a class instance",
    verify: verifyOf(4, (args) => {
      class Details {
        readonly table = 'users';
      }
      last(args)(Object.assign(new Error('db down'), { details: new Details(), retries: 2 }));
    }),
  },
  {
    name: 'a verify that throws',
    verify: verifyOf(4, () => {
      throw new RangeError('verify threw');
    }),
  },
  {
    name: 'info as a class instance, with an app state',
    start: { state: { returnTo: '/x' } },
    verify: verifyOf(4, (args, run) => {
      run.info = new (class Welcome {
        readonly text = 'hi';
      })();
      last(args)(null, { id: 'u' }, run.info);
    }),
  },
  {
    name: 'info as a string, with an app state',
    start: { state: { returnTo: '/x' } },
    verify: verifyOf(4, (args) => last(args)(null, { id: 'u' }, 'welcome')),
  },
  {
    name: 'no info, with an app state',
    start: { state: { returnTo: '/x' } },
  },
  // The callback's `error` cases.
  {
    name: 'the user denies access',
    query: { error: 'access_denied', error_description: 'The user denied' },
  },
  {
    name: 'access denied without a description',
    query: { error: 'access_denied' },
    intended: [{ path: 'callback.messages', item: 16 }],
  },
  {
    name: 'Whop reports server_error',
    query: { error: 'server_error', error_description: 'Oops', error_uri: 'https://whop.com/e' },
  },
  {
    name: 'Whop reports invalid_scope',
    query: { error: 'invalid_scope', error_description: 'Bad scope' },
  },
  {
    name: 'no code and no error: a new redirect',
    query: {},
  },
  // State stores of every arity.
  ...([2, 3, 4, 5] as const).flatMap((storeArity) =>
    ([3, 4] as const).map((verifyArity): Case => ({
      name: `a state store with store() of ${storeArity} and verify() of ${verifyArity} parameters`,
      options: { store: stateStore(storeArity, verifyArity) },
      start: { state: { returnTo: '/x' } },
    })),
  ),
  {
    name: 'a state store that refuses the state',
    options: {
      store: {
        store: (_req: unknown, _meta: unknown, cb: (e: null, h: string) => void) => cb(null, 'h'),
        verify: (_req: unknown, _s: unknown, cb: Done) => cb(null, false, { message: 'nope' }),
      },
    },
  },
  {
    name: 'a callback in a session that holds no login (another host, a new session secret)',
    callbackElsewhere: true,
    intended: [{ path: 'callback.messages', item: 23 }],
  },
  {
    name: 'a wrong state with the session store',
    query: { code: 'code_1', state: 'forged' },
  },
  // Callback URLs and proxies.
  {
    name: 'an absolute callbackURL',
    options: { callbackURL: 'https://app.example.com/callback' },
  },
  {
    name: 'a callbackURL passed to authenticate()',
    start: { callbackURL: '/other/callback' },
    callback: { callbackURL: '/other/callback' },
  },
  {
    name: 'forwarded headers with proxy: true',
    options: { proxy: true },
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com' },
  },
  {
    name: 'forwarded headers with proxy: 1 (truthy)',
    options: { proxy: 1 },
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com' },
  },
  {
    name: "forwarded headers with Express's trust proxy",
    trustProxy: true,
    headers: { 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'app.example.com' },
  },
  {
    name: 'forwarded headers, untrusted',
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example.com' },
  },
  // Truthy and falsy options that are not booleans, read as passport-oauth2 reads them.
  { name: 'state: 1 (truthy)', options: { state: 1 } },
  { name: 'state: 0 (falsy), each with its own defaults', bare: true, options: { state: 0 } },
  // skipUserProfile in its forms.
  ...[true, false, 1, () => true, () => false].map((skip): Case => ({
    name: `skipUserProfile: ${String(skip)}`,
    options: { skipUserProfile: skip },
  })),
  {
    name: 'skipUserProfile: (accessToken, done) => done(null, true)',
    options: { skipUserProfile: (_a: string, done: Done) => done(null, true) },
  },
  {
    name: 'skipUserProfile: (accessToken, done) => done(err)',
    options: { skipUserProfile: (_a: string, done: Done) => done(new Error('skip failed')) },
  },
  // Subclass hooks.
  {
    name: "a subclass's authorizationParams",
    subclass: (Base) =>
      class extends Base {
        override authorizationParams(options: Record<string, unknown>) {
          return { prompt: 'consent', from: String(options.from ?? '') };
        }
      },
    start: { from: 'home' },
  },
  {
    name: "a subclass's tokenParams, encoded as node-oauth encodes them",
    subclass: (Base) =>
      class extends Base {
        override tokenParams() {
          return { list: ['a', 'b'], nil: null, obj: { a: 1 }, n: 3, yes: true, none: undefined };
        }
      },
  },
  {
    name: "a subclass's parseErrorResponse, when it returns an error",
    token: json(400, { error: 'invalid_grant', error_description: 'Code expired' }),
    subclass: (Base) =>
      class extends Base {
        override parseErrorResponse(body: string, status: number) {
          return new TokenError(`custom ${status}: ${JSON.parse(body).error}`, 'custom');
        }
      },
  },
  {
    name: "a subclass's parseErrorResponse, when it throws",
    token: { status: 502, body: '<html>bad gateway</html>' },
    subclass: (Base) =>
      class extends Base {
        override parseErrorResponse(): Error {
          throw new Error('not JSON');
        }
      },
    intended: [
      { path: 'callback.error.status', item: 7 },
      { path: 'callback.error.message', item: 7 },
      { path: 'callback.error.code', item: 24 },
    ],
  },
  {
    name: "a subclass's userProfile",
    subclass: (Base) =>
      class extends Base {
        override userProfile(accessToken: string, done: (e: null, p: unknown) => void) {
          done(null, { provider: 'custom', id: `custom-${accessToken}` });
        }
      },
  },
  // The token endpoint's errors.
  {
    name: 'the token endpoint refuses the code (400 invalid_grant)',
    token: json(400, { error: 'invalid_grant', error_description: 'Code expired' }),
    intended: [{ path: 'callback.error.status', item: 7 }],
  },
  {
    name: 'the token endpoint fails (500, not JSON)',
    token: { status: 500, body: 'oops' },
    intended: [
      { path: 'callback.error.status', item: 7 },
      { path: 'callback.error.message', item: 7 },
      { path: 'callback.error.code', item: 24 },
    ],
  },
  {
    name: 'the token endpoint fails (500, HTML)',
    token: { status: 500, body: '<html><body>Internal error</body></html>' },
    intended: [
      { path: 'callback.error.status', item: 7 },
      { path: 'callback.error.message', item: 7 },
      { path: 'callback.error.code', item: 24 },
    ],
  },
  {
    name: 'the token endpoint answers 401 with an empty body',
    token: { status: 401, body: '' },
    intended: [
      { path: 'callback.error.status', item: 7 },
      { path: 'callback.error.message', item: 7 },
      { path: 'callback.error.code', item: 24 },
    ],
  },
  {
    name: 'the token endpoint answers 429 with an RFC 6749 error and Retry-After',
    token: json(
      429,
      { error: 'rate_limit_exceeded', error_description: 'Slow down' },
      { 'retry-after': '12' },
    ),
    intended: [{ path: 'callback.error.status', item: 7 }],
  },
  {
    name: "the token endpoint answers 429 with Whop's { message } and Retry-After",
    token: json(429, { message: 'You are being rate limited' }, { 'retry-after': '60' }),
    // passport-oauth2 makes an InternalOAuthError of a body without `error`; this package a
    // TokenError that keeps the same oauthError.
    intended: [
      { path: 'callback.error.class', item: 7 },
      { path: 'callback.error.status', item: 7 },
      { path: 'callback.error.message', item: 7 },
      { path: 'callback.error.code', item: 7 },
    ],
  },
  {
    name: 'the token endpoint answers 200 without an access token',
    token: json(200, { token_type: 'bearer' }),
    // passport-oauth2 makes a plain Error('Failed to obtain access token'); neither has a status.
    intended: [
      { path: 'callback.error.class', item: 7 },
      { path: 'callback.error.message', item: 7 },
      { path: 'callback.error.code', item: 24 },
    ],
  },
  // A throw while Passport handles success or failure: passport-oauth2 answers 500 through
  // next(err), because its verify callback runs inside its try around verify.
  ...(['0.5', '0.6', '0.7'] as const).flatMap((passport) =>
    ([4, 5] as const).flatMap((express) =>
      (['express-session', 'cookie-session'] as const).map((session): Case => ({
        name: `passport ${passport}, Express ${express}, ${session}: a login${passport !== '0.5' && session === 'cookie-session' ? ' (req.session.regenerate is missing: a 500)' : ''}`,
        host: { passport, express, session },
      })),
    ),
  ),
  {
    name: 'failureFlash without connect-flash, when verify fails the login (a 500)',
    callback: { failureFlash: true },
    verify: verifyOf(4, (args) => last(args)(null, false, { message: 'not a member' })),
  },
  {
    name: 'successFlash without connect-flash (a 500)',
    callback: { successFlash: 'Welcome' },
  },
  {
    name: 'failureMessage: true without a session, when verify fails the login (a 500)',
    bare: true,
    options: { state: false },
    host: { session: 'none' },
    verify: verifyOf(4, (args) => last(args)(null, false, { message: 'not a member' })),
  },
  {
    name: 'a custom callback that throws on success (a 500)',
    host: {
      custom: (_req, res, next) => (err, user) => {
        if (err) return next(err);
        if (user) throw new Error('the custom callback threw');
        res.status(401).end();
      },
    },
  },
  {
    name: 'passport 0.6 with cookie-session, when verify fails the login',
    host: { passport: '0.6', session: 'cookie-session' },
    verify: verifyOf(4, (args) => last(args)(null, false, { message: 'not a member' })),
  },
  // passport-oauth2's members, changed after construction or per request: read when the
  // request runs, as passport-oauth2 reads them.
  {
    name: "_oauth2.getOAuthAccessToken replaced (a unit test's stub)",
    prepare: (strategy) => {
      oauth2Of(strategy).getOAuthAccessToken = (_code, _params, callback) =>
        callback(null, 'at_stub', 'rt_stub', { access_token: 'at_stub', token_type: 'bearer' });
    },
  },
  {
    name: '_oauth2.getOAuthAccessToken replaced, calling back an error with statusCode and data',
    prepare: (strategy) => {
      oauth2Of(strategy).getOAuthAccessToken = (_code, _params, callback) =>
        callback({ statusCode: 400, data: '{"error":"invalid_grant","error_description":"Nope"}' });
    },
  },
  {
    name: '_oauth2.getOAuthAccessToken replaced, calling back no access token',
    prepare: (strategy) => {
      oauth2Of(strategy).getOAuthAccessToken = (_code, _params, callback) =>
        callback(null, '', undefined, {});
    },
  },
  {
    name: "_oauth2.get replaced (a unit test's stub)",
    prepare: (strategy) => {
      oauth2Of(strategy).get = (_url, token, callback) =>
        callback(null, JSON.stringify({ id: `user_stub${token.length}`, username: 'stub' }));
    },
  },
  {
    name: '_oauth2._customHeaders replaced after construction',
    prepare: (strategy) => {
      oauth2Of(strategy)._customHeaders = { 'X-Custom': 'replaced' };
    },
  },
  {
    name: '_oauth2._customHeaders changed in place',
    prepare: (strategy) => {
      oauth2Of(strategy)._customHeaders!['X-Custom'] = 'in place';
    },
  },
  {
    name: "_oauth2.setAuthMethod('Token')",
    prepare: (strategy) => oauth2Of(strategy).setAuthMethod('Token'),
  },
  {
    name: "_oauth2.setAccessTokenName('tok') and useAuthorizationHeaderforGET(false)",
    prepare: (strategy) => {
      oauth2Of(strategy).setAccessTokenName('tok');
      oauth2Of(strategy).useAuthorizationHeaderforGET(false);
    },
    intended: [],
  },
  {
    name: '_callbackURL set per request by a subclass (a multi-tenant app)',
    subclass: (Base) =>
      class extends Base {
        override authenticate(
          req: Parameters<OAuth2Strategy['authenticate']>[0],
          options?: object,
        ) {
          membersOf(this)._callbackURL =
            `https://${String(req.headers['x-tenant'])}.example.com/cb`;
          super.authenticate(req, options);
        }
      },
    headers: { 'x-tenant': 'acme' },
  },
  {
    name: '_callbackURL, _trustProxy and _scope changed after construction',
    prepare: (strategy) => {
      Object.assign(membersOf(strategy), {
        _callbackURL: '/changed/callback',
        _trustProxy: true,
        _scope: ['read_user', 'read_memberships'],
      });
    },
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com' },
  },
  {
    name: '_stateStore replaced after construction',
    prepare: (strategy) => {
      Object.assign(membersOf(strategy), { _stateStore: stateStore(5, 4) });
    },
    start: { state: { returnTo: '/x' } },
  },
  {
    name: "a subclass's _loadUserProfile",
    subclass: (Base) =>
      class extends Base {
        _loadUserProfile(token: string, done: (e: null, p: unknown) => void) {
          done(null, { provider: 'loaded', id: `loaded-${token}` });
        }
      },
  },
  // Options passport-oauth2 takes, in the legacy flow.
  { name: 'pkce: true', options: { pkce: true } },
  { name: "pkce: 'plain'", options: { pkce: 'plain' } },
  {
    name: "scopeSeparator: ',' with an array scope",
    options: { scope: ['read_user', 'read_memberships'], scopeSeparator: ',' },
  },
  { name: 'a per-request scope string', start: { scope: 'read_user' } },
  { name: 'a per-request scope array', start: { scope: ['read_user', 'read_memberships'] } },
  {
    name: 'a per-request relative callbackURL without a /',
    start: { callbackURL: 'cb' },
    callback: { callbackURL: 'cb' },
  },
  // What state stores are given: the app's state, whatever the company.
  {
    name: 'a store that keeps state.returnTo, in a company login Whop echoes',
    options: { store: returnToStore() },
    start: { scope: 'biz_company123', state: { returnTo: '/x' } },
    echo: 'biz_company123',
    intended: [{ path: 'start.location', item: 11 }],
  },
  // Token answers node-oauth reads and this package refuses.
  {
    name: 'a form-encoded token answer',
    token: {
      status: 200,
      body: 'access_token=at_form&token_type=bearer&expires_in=3600',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    },
    intended: [
      { path: 'callback', item: 25 },
      { path: 'verify', item: 25 },
      { path: 'profileRequests', item: 25 },
      { path: 'sent', item: 25 },
    ],
  },
  {
    name: 'a numeric access_token',
    token: json(200, { access_token: 12345678, token_type: 'bearer' }),
    intended: [
      { path: 'callback', item: 25 },
      { path: 'verify', item: 25 },
      { path: 'profileRequests', item: 25 },
      { path: 'sent', item: 25 },
    ],
  },
  {
    name: 'expires_in as a string',
    token: json(200, { ...TOKEN, expires_in: '3600' }),
    verify: verifyOf(5, loginAs({ id: 'p' })),
    intended: [
      { path: 'verify.0.args.2.expires_in', item: 19 },
      { path: 'verify.0.args.2.expires_at', item: 6 },
    ],
  },
  {
    name: 'the connection reset in the middle of the token answer',
    token: { ...json(200, TOKEN), reset: true },
    intended: [{ path: 'callback', item: 29 }],
  },
  {
    name: 'error_description and error_uri given twice',
    query: {
      error: 'server_error',
      error_description: 'one',
      error_uri: 'https://whop.com/e',
    },
    queryTwice: { error_description: 'two', error_uri: 'https://whop.com/f' },
    intended: [
      { path: 'callback.error.message', item: 16 },
      { path: 'callback.error.uri', item: 16 },
    ],
  },
  {
    name: 'no session middleware, with the state kept in the session',
    host: { session: 'none' },
    intended: [
      { path: 'start.error', item: 28 },
      { path: 'callback.error', item: 28 },
    ],
  },
  // passport-oauth2's recipe for proxies.
  {
    name: 'an agent set with _oauth2.setAgent()',
    prepare: (strategy, run) => {
      const agent = countingAgent();
      (strategy as unknown as { _oauth2: { setAgent(a: Agent): void } })._oauth2.setAgent(agent);
      run.info = agent;
    },
    verify: verifyOf(4, (args, run) =>
      last(args)(null, { sentThroughAgent: (run.info as { sent: number }).sent }),
    ),
  },
];

describe('differential: passport-oauth2 and WhopStrategy side by side', () => {
  const whop = new FakeWhop();
  // Real sockets only: nock, once another test file loaded it, intercepts every request and
  // would hide which agent a request went through.
  let nockWasActive = false;
  before(async () => {
    nockWasActive = nock.isActive();
    if (nockWasActive) nock.restore();
    await whop.start();
  });
  after(async () => {
    await whop.close();
    if (nockWasActive) nock.activate();
  });

  for (const scenario of cases) {
    describe(scenario.name, () => {
      let oauth2: Result;
      let whopResult: Result;
      before(async () => {
        oauth2 = await runLogin('oauth2', scenario, whop);
        whopResult = await runLogin('whop', scenario, whop);
      });

      it('Passport does the same, but for the intended differences', () => {
        let a: unknown = oauth2;
        let b: unknown = whopResult;
        for (const { path } of scenario.intended ?? []) {
          a = without(a, path);
          b = without(b, path);
        }
        expect(b).to.deep.equal(a);
      });

      for (const { path, item } of scenario.intended ?? []) {
        it(`differs in ${path}, as docs/compatibility.md item ${item} says`, () =>
          expect(at(whopResult, path)).not.to.deep.equal(at(oauth2, path)));
      }
    });
  }

  describe('a verify function compiled with tsc --target es2016', () => {
    it('gets the same arguments as the native one', async () => {
      const record = (fn: (...a: never[]) => unknown) => (run: Run) =>
        Object.defineProperty(
          function (this: unknown, ...args: Args) {
            run.calls.push({ self: this, args });
            return (fn as (...a: Args) => unknown).apply(this, args);
          },
          'length',
          { value: fn.length },
        ) as never;
      const native = (await import(`data:text/javascript,${encodeURIComponent(NATIVE_ASYNC)}`))
        .verify as (...a: never[]) => unknown;
      const compiled = compiledES2016(NATIVE_ASYNC);
      // Compiled below ES2017: a plain function that returns a promise, not an async one.
      expect(Object.prototype.toString.call(compiled)).to.equal('[object Function]');
      expect(Object.prototype.toString.call(native)).to.equal('[object AsyncFunction]');
      expect(compiled.length).to.equal(native.length);
      const [a, b] = [
        await runLogin('whop', { verify: record(native) }, whop),
        await runLogin('whop', { verify: record(compiled) }, whop),
      ];
      expect(b.verify).to.deep.equal(a.verify);
      expect(b.callback.user).to.deep.equal(a.callback.user);
    });
  });

  describe('the agent set with _oauth2.setAgent(), outside a login', () => {
    beforeEach(() => whop.reset());

    it('sends refresh and revoke through the agent set with _oauth2.setAgent()', async () => {
      const strategy = new WhopStrategy(
        {
          flow: 'oauth2.1',
          clientID: 'app_test',
          clientSecret: 'secret_test',
          callbackURL: '/cb',
          tokenURL: `${whop.url}${TOKEN_PATH}`,
          revocationURL: `${whop.url}${REVOKE_PATH}`,
        },
        async () => false,
      );
      const agent = new HttpAgent();
      type Adding = { addRequest: (...a: unknown[]) => void };
      const { addRequest } = agent as unknown as Adding;
      let sent = 0;
      (agent as unknown as Adding).addRequest = (...a) => {
        sent += 1;
        addRequest.apply(agent, a);
      };
      (strategy as unknown as { _oauth2: { setAgent(a: HttpAgent): void } })._oauth2.setAgent(
        agent,
      );
      await refreshAccessToken(strategy, 'rt_1');
      await revokeToken(strategy, 'rt_1');
      expect(sent).to.equal(2);
      expect(whop.received.map((r) => r.path)).to.deep.equal([TOKEN_PATH, REVOKE_PATH]);
    });
  });

  describe('_oauth2.getOAuthAccessToken(code, null, callback)', () => {
    it('calls back with the tokens, as node-oauth does', async () => {
      const results: unknown[][] = [];
      for (const kind of ['oauth2', 'whop'] as const) {
        whop.reset();
        const run: Run = { kind, calls: [] };
        const strategy = strategyFor(kind, {}, whop, run) as OAuth2Strategy & {
          _oauth2: { getOAuthAccessToken(c: string, p: null, cb: (...a: unknown[]) => void): void };
        };
        results.push(
          await new Promise((resolve) =>
            strategy._oauth2.getOAuthAccessToken('code_9', null, (...args) => resolve(args)),
          ),
        );
      }
      const [oauth2, whopArgs] = results as [unknown[], unknown[]];
      expect(without(whopArgs, '3.expires_at')).to.deep.equal(without(oauth2, '3.expires_at'));
    });
  });

  describe('the list of intended differences', () => {
    it("is docs/compatibility.md's list", () => {
      const doc = readFileSync(new URL('../docs/compatibility.md', import.meta.url), 'utf8');
      const items = Object.fromEntries(
        [...doc.matchAll(/^(\d+)\. \*\*(.+?)\*\*/gm)].map((m) => [Number(m[1]), m[2]]),
      );
      expect(items).to.deep.equal(INTENDED);
    });
  });
});

import type { Request } from 'express';
import OAuth2Strategy, { InternalOAuthError } from 'passport-oauth2';
import { MemoryCodeStore, type CodeStore } from './codes.js';
import { internalError } from './errors.js';
import { describeFailure, requestToken, send, type HttpSettings } from './http.js';
import { parseProfile, type WhopProfile } from './profile.js';
import { GuardedStateStore, type StateStore } from './state.js';
import { toTokenParams, type WhopTokenParams } from './tokens.js';

const AUTHORIZATION_URL = 'https://whop.com/oauth';
const TOKEN_URL = 'https://data.whop.com/api/v3/oauth/token';
const USER_PROFILE_URL = 'https://api.whop.com/api/v5/me';
const DEFAULT_TIMEOUT_MS = 10_000;
/** Whop's authorization codes expire after 5 minutes: remember each exchanged one that long. */
const CODE_TTL_MS = 5 * 60 * 1000;
const COMPANY_ID = /^biz_[A-Za-z0-9]+$/;

/** `done` of a callback-style verify function, as in every Passport strategy. */
export type VerifyCallback = (
  err?: Error | null,
  user?: Express.User | false,
  info?: object,
) => void;
/** What an async verify function resolves: the user, or `false`/`null` to fail the login. */
export type VerifyResult = Promise<Express.User | false | null | undefined>;

export type VerifyFunction = (
  accessToken: string,
  refreshToken: string | undefined,
  profile: WhopProfile,
  done: VerifyCallback,
) => void;
export type VerifyFunctionWithParams = (
  accessToken: string,
  refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile,
  done: VerifyCallback,
) => void;
export type AsyncVerifyFunction = (
  accessToken: string,
  refreshToken: string | undefined,
  profile: WhopProfile,
) => VerifyResult;
export type AsyncVerifyFunctionWithParams = (
  accessToken: string,
  refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile,
) => VerifyResult;
export type VerifyFunctionWithRequest = (
  req: Request,
  accessToken: string,
  refreshToken: string | undefined,
  profile: WhopProfile,
  done: VerifyCallback,
) => void;
export type VerifyFunctionWithRequestAndParams = (
  req: Request,
  accessToken: string,
  refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile,
  done: VerifyCallback,
) => void;
export type AsyncVerifyFunctionWithRequest = (
  req: Request,
  accessToken: string,
  refreshToken: string | undefined,
  profile: WhopProfile,
) => VerifyResult;
export type AsyncVerifyFunctionWithRequestAndParams = (
  req: Request,
  accessToken: string,
  refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile,
) => VerifyResult;

export interface WhopStrategyOptionsBase {
  /** The app's client ID (`app_...`), from the app's settings on Whop. */
  clientID: string;
  /** The app's client secret (its API key). */
  clientSecret: string;
  /**
   * Where Whop sends the user back: an `https:` URL, an `http:` URL on localhost, or a path
   * (`/auth/whop/callback`) resolved against the request. Must match one registered on Whop.
   */
  callbackURL: string;
  /** The company (`biz_...`) to log in on behalf of. Per request: `authenticate('whop', { scope })`. */
  scope?: string;
  /** Check a CSRF state on the callback (default `true`; it needs a session or a `store`). */
  state?: boolean;
  /** Where the state is kept between the redirect and the callback (default: the session). */
  store?: StateStore;
  /** Where exchanged codes are remembered (default: a {@link MemoryCodeStore} for this process). */
  codeStore?: CodeStore;
  /** Default `https://whop.com/oauth`. */
  authorizationURL?: string;
  /** Default `https://data.whop.com/api/v3/oauth/token`. */
  tokenURL?: string;
  /** Default `https://api.whop.com/api/v5/me`. */
  userProfileURL?: string;
  /** The limit on each request to Whop, in milliseconds (default 10000). */
  timeout?: number;
  /** An undici dispatcher for every request to Whop: `new ProxyAgent(url)`, an `Agent` with your pool settings. */
  dispatcher?: RequestInit['dispatcher'];
  /** Headers added to every request to Whop. */
  customHeaders?: Record<string, string>;
  /** Skip loading the profile: `true`, or a function of the access token (passport-oauth2's forms). */
  skipUserProfile?:
    | boolean
    | ((accessToken: string) => boolean)
    | ((accessToken: string, done: (err: Error | null, skip: boolean) => void) => void);
  /** Trust `X-Forwarded-*` headers when resolving a relative `callbackURL`. */
  proxy?: boolean;
  /** The session key the state is kept under (default `oauth2:whop.com`). */
  sessionKey?: string;
}

export interface WhopStrategyOptions extends WhopStrategyOptionsBase {
  passReqToCallback?: false;
}

export interface WhopStrategyOptionsWithRequest extends WhopStrategyOptionsBase {
  passReqToCallback: true;
}

/** What `passport.authenticate('whop', options)` takes beyond Passport's own options. */
export interface WhopAuthenticateOptions {
  /** The company to log in on behalf of, for this request; overrides the strategy's `scope`. */
  scope?: string;
  callbackURL?: string;
  state?: unknown;
  [option: string]: unknown;
}

type AnyVerify = (...args: never[]) => unknown;

/** node-oauth's `OAuth2#getOAuthAccessToken`, as passport-oauth2 and passport-oauth2-refresh call it. */
type ExchangeMethod = (
  code: string,
  params: Record<string, unknown>,
  callback: (
    err: Error | null,
    accessToken?: string,
    refreshToken?: string,
    params?: WhopTokenParams,
  ) => void,
) => void;

function fail(option: string, why: string): never {
  throw new TypeError(
    `WhopStrategy requires ${option === 'verify' ? 'a verify function' : `the ${option} option to be ${why}`}`,
  );
}

function requireString(options: Record<string, unknown>, name: string): string {
  const value = options[name];
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`WhopStrategy requires a ${name} option`);
  return value;
}

function checkURL(name: string, value: unknown): string {
  if (
    typeof value !== 'string' ||
    !URL.canParse(value) ||
    !/^https?:$/.test(new URL(value).protocol)
  ) {
    fail(name, 'an absolute http(s) URL');
  }
  return value;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The callback URL rule: https, http on loopback only, or a path on this site. */
export function isValidCallbackURL(value: unknown): value is string {
  if (typeof value !== 'string' || value === '') return false;
  if (value.startsWith('/')) return !value.startsWith('//');
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

export function isCompanyId(value: unknown): value is string {
  return typeof value === 'string' && COMPANY_ID.test(value);
}

const CALLBACK_RULE = 'an https: URL, an http: URL on localhost, or a path starting with /';

/**
 * Passport strategy for logging in with Whop over OAuth 2.0.
 *
 * @example
 * ```ts
 * passport.use(new WhopStrategy(
 *   { clientID: process.env.WHOP_CLIENT_ID!, clientSecret: process.env.WHOP_CLIENT_SECRET!, callbackURL: '/auth/whop/callback' },
 *   async (accessToken, refreshToken, profile) => users.upsert({ whopId: profile.id, name: profile.displayName }),
 * ));
 * app.get('/auth/whop', passport.authenticate('whop'));
 * app.get('/auth/whop/callback', passport.authenticate('whop', { failureRedirect: '/login' }), (req, res) => res.redirect('/'));
 * ```
 */
export class WhopStrategy extends OAuth2Strategy {
  /** @internal The settings refresh and revoke share with the login. */
  readonly http: HttpSettings;
  /** @internal */
  readonly clientID: string;
  /** @internal Undefined only for a public client of the OAuth 2.1 flow. */
  readonly clientSecret: string | undefined;
  /** @internal Which of Whop's two OAuth flows this strategy speaks. */
  readonly flow: 'legacy' | 'oauth2.1' = 'legacy';
  /** @internal */
  readonly tokenURL: string;
  private readonly userProfileURL: string;
  private readonly company: string | undefined;
  private readonly codeStore: CodeStore;
  private readonly customHeaders: Readonly<Record<string, string>>;
  // The company each in-flight request asked for, read by the state store guard.
  private readonly requested = new WeakMap<Request, string | undefined>();

  constructor(options: WhopStrategyOptions, verify: AsyncVerifyFunction);
  constructor(options: WhopStrategyOptions, verify: AsyncVerifyFunctionWithParams);
  constructor(options: WhopStrategyOptions, verify: VerifyFunction);
  constructor(options: WhopStrategyOptions, verify: VerifyFunctionWithParams);
  constructor(options: WhopStrategyOptionsWithRequest, verify: AsyncVerifyFunctionWithRequest);
  constructor(
    options: WhopStrategyOptionsWithRequest,
    verify: AsyncVerifyFunctionWithRequestAndParams,
  );
  constructor(options: WhopStrategyOptionsWithRequest, verify: VerifyFunctionWithRequest);
  constructor(options: WhopStrategyOptionsWithRequest, verify: VerifyFunctionWithRequestAndParams);
  constructor(options: WhopStrategyOptions | WhopStrategyOptionsWithRequest, verify: AnyVerify) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('WhopStrategy requires an options object');
    if (typeof verify !== 'function') fail('verify', '');
    const raw = options as unknown as Record<string, unknown>;
    const clientID = requireString(raw, 'clientID');
    const clientSecret = requireString(raw, 'clientSecret');
    if (!isValidCallbackURL(options.callbackURL)) fail('callbackURL', CALLBACK_RULE);
    if (options.scope !== undefined && !isCompanyId(options.scope))
      fail('scope', 'a company ID: biz_ followed by letters and digits');
    const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeout) || timeout <= 0)
      fail('timeout', 'a positive number of milliseconds');
    const state = options.state ?? true;
    if (typeof state !== 'boolean') fail('state', 'true or false');
    if (
      options.store !== undefined &&
      (typeof options.store?.store !== 'function' || typeof options.store?.verify !== 'function')
    ) {
      fail('store', 'an object with store() and verify() methods');
    }
    if (options.codeStore !== undefined && typeof options.codeStore?.claim !== 'function') {
      fail('codeStore', 'an object with a claim(code, ttlMs) method');
    }
    const authorizationURL = checkURL(
      'authorizationURL',
      options.authorizationURL ?? AUTHORIZATION_URL,
    );
    const tokenURL = checkURL('tokenURL', options.tokenURL ?? TOKEN_URL);

    super(
      {
        clientID,
        clientSecret,
        callbackURL: options.callbackURL,
        authorizationURL,
        tokenURL,
        scope: options.scope,
        // `store: true` picks passport-oauth2's session store that keeps app state: the guard
        // stores the requested company there.
        state,
        store: (options.store ?? (state ? true : undefined)) as never,
        sessionKey: options.sessionKey,
        skipUserProfile: options.skipUserProfile,
        proxy: options.proxy,
        customHeaders: options.customHeaders,
        passReqToCallback: options.passReqToCallback as false,
      },
      adaptVerify(verify, options.passReqToCallback === true),
    );
    this.name = 'whop';
    this.clientID = clientID;
    this.clientSecret = clientSecret;
    this.tokenURL = tokenURL;
    this.userProfileURL = checkURL('userProfileURL', options.userProfileURL ?? USER_PROFILE_URL);
    this.company = options.scope;
    this.codeStore = options.codeStore ?? new MemoryCodeStore();
    this.customHeaders = { ...options.customHeaders };
    this.http = { timeout, dispatcher: options.dispatcher };

    const ownStore = options.store === undefined && state;
    const self = this as unknown as { _stateStore: StateStore };
    self._stateStore = new GuardedStateStore(self._stateStore, {
      requestedCompany: (req) => this.requested.get(req),
      afterState: (req, requested) => this.afterState(req, requested),
      noSession: (req) =>
        ownStore && !(req as { session?: unknown }).session
          ? new Error(
              'WhopStrategy keeps its CSRF state in the session, and req.session is missing: add session middleware (express-session) before passport, pass a `store` option, or set `state: false`',
            )
          : undefined,
    }) as unknown as StateStore;

    // passport-oauth2 (and passport-oauth2-refresh) exchange codes and refresh tokens through
    // this method of node-oauth; send them through this package's client instead: a timeout, a
    // size cap, Whop's error shapes, and no secret in any error.
    const oauth2 = this._oauth2 as unknown as { getOAuthAccessToken: ExchangeMethod };
    oauth2.getOAuthAccessToken = (code, params, callback) => {
      const grant =
        typeof params.grant_type === 'string' ? params.grant_type : 'authorization_code';
      const form = {
        ...(params as Record<string, string>),
        grant_type: grant,
        [grant === 'refresh_token' ? 'refresh_token' : 'code']: code,
        client_id: this.clientID,
        client_secret: this.clientSecret,
      };
      requestToken(
        grant === 'refresh_token' ? 'refresh' : 'token',
        this.tokenURL,
        form,
        this.http,
        this.customHeaders,
      ).then(
        (json) => {
          const refreshToken =
            typeof json.refresh_token === 'string' ? json.refresh_token : undefined;
          process.nextTick(() =>
            callback(null, String(json.access_token), refreshToken, toTokenParams(json)),
          );
        },
        (error: Error) => process.nextTick(() => callback(error)),
      );
    };
  }

  /** Checks the company, then starts the login (no code) or finishes it (a code). */
  override authenticate(req: Request, options: WhopAuthenticateOptions = {}): void {
    if (options.scope !== undefined && !isCompanyId(options.scope)) {
      return this.error(
        new TypeError(
          'WhopStrategy: the scope passed to authenticate() must be a company ID: biz_ followed by letters and digits',
        ),
      );
    }
    if (options.callbackURL !== undefined && !isValidCallbackURL(options.callbackURL)) {
      return this.error(
        new TypeError(
          `WhopStrategy: the callbackURL passed to authenticate() must be ${CALLBACK_RULE}`,
        ),
      );
    }
    const company = options.scope ?? this.company;
    this.requested.set(req, company);
    super.authenticate(req, { ...options, scope: company });
  }

  /** Loads the user's profile from Whop, with the access token in the `Authorization` header. */
  override userProfile(
    accessToken: string,
    done: (err?: unknown, profile?: WhopProfile) => void,
  ): void {
    send(
      {
        step: 'profile',
        url: this.userProfileURL,
        bearer: accessToken,
        headers: this.customHeaders,
      },
      this.http,
    )
      .then((response) => {
        const { status, retryAfter } = response;
        if (status < 200 || status >= 300)
          throw internalError('profile', describeFailure(response), { status, retryAfter });
        try {
          return parseProfile(response.text);
        } catch (error) {
          throw internalError('profile', (error as Error).message, { cause: error, status });
        }
      })
      .then(
        (profile) => process.nextTick(() => done(null, profile)),
        (error: Error) => process.nextTick(() => done(error)),
      );
  }

  /** passport-oauth2 wraps token errors; this package's are final already. */
  protected _createOAuthError(message: string, err: unknown): Error {
    return err instanceof Error ? err : new InternalOAuthError(message, err);
  }

  /**
   * After the state: the company Whop echoed must be the one requested, then the code is claimed,
   * so that no code is ever exchanged twice. Resolves a failure message, or undefined to go on.
   */
  private async afterState(
    req: Request,
    requested: string | undefined | 'unknown',
  ): Promise<string | undefined> {
    const query = (req.query ?? {}) as Record<string, unknown>;
    // Whop's docs say the callback echoes `scope`; nothing confirms it always does, so a
    // callback without one is accepted.
    const echoed = typeof query.scope === 'string' && query.scope !== '' ? query.scope : undefined;
    const expected = requested === 'unknown' ? this.requested.get(req) : requested;
    const knowsRequest = requested !== 'unknown' || expected !== undefined;
    if (echoed !== undefined && knowsRequest && echoed !== expected) {
      return `Whop returned to a login for company ${echoed}, but ${expected ?? 'no company'} was requested`;
    }
    const code = (query.code ?? (req.body as Record<string, unknown> | undefined)?.code) as string;
    let claimed: boolean;
    try {
      claimed = await this.codeStore.claim(code, CODE_TTL_MS);
    } catch (error) {
      throw new InternalOAuthError(
        'Failed to record the authorization code, so it was not exchanged: the code store failed',
        error,
      );
    }
    if (!claimed) return 'This authorization code was already used: start the login again';
    return undefined;
  }
}

/**
 * Hand passport-oauth2 a function it calls with `params` always, and call the user's verify in
 * its own form: passport-oauth2's arity rule for callback functions (five parameters, or six with
 * `req`, take `params`), and for `async` functions the same count without `done`. A returned
 * promise settles the login: a user logs in, `false`/`null` fails, a rejection is an error.
 */
function adaptVerify(verify: AnyVerify, passReq: boolean): (...args: unknown[]) => void {
  const isAsync =
    (verify as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'AsyncFunction';
  const declared = verify.length - (passReq ? 1 : 0) + (isAsync ? 1 : 0);
  const wantsParams = declared >= 5;
  const call = (
    lead: unknown[],
    accessToken: unknown,
    refreshToken: unknown,
    params: unknown,
    profile: unknown,
    done: VerifyCallback,
  ) => {
    let settled = false;
    const once: VerifyCallback = (err, user, info) => {
      if (settled) return;
      settled = true;
      done(err, user, info);
    };
    const args = [
      ...lead,
      accessToken,
      refreshToken,
      ...(wantsParams ? [params] : []),
      profile,
      once,
    ];
    const result = (verify as (...a: unknown[]) => unknown)(...args);
    if (
      result !== null &&
      typeof result === 'object' &&
      typeof (result as PromiseLike<unknown>).then === 'function'
    ) {
      (result as PromiseLike<Express.User | false | null | undefined>).then(
        (user) => process.nextTick(() => once(null, user ?? false)),
        (error: unknown) =>
          process.nextTick(() => once(error instanceof Error ? error : new Error(String(error)))),
      );
    }
  };
  return passReq
    ? (
        req: unknown,
        accessToken: unknown,
        refreshToken: unknown,
        params: unknown,
        profile: unknown,
        done: unknown,
      ) => call([req], accessToken, refreshToken, params, profile, done as VerifyCallback)
    : (
        accessToken: unknown,
        refreshToken: unknown,
        params: unknown,
        profile: unknown,
        done: unknown,
      ) => call([], accessToken, refreshToken, params, profile, done as VerifyCallback);
}

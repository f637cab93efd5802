import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import OAuth2Strategy, { AuthorizationError } from 'passport-oauth2';
import { AccessChecker, admit } from './access.js';
import { LoginChecks, malformedCallback, type CallbackParams } from './callback.js';
import { processCodeStore } from './codes.js';
import { Deadline } from './deadline.js';
import { internalError } from './errors.js';
import { describeFailure, isSuccess, send, strategySettings, type HttpSettings } from './http.js';
import { TokenExchange, tokensOf, type ExchangeMethod } from './exchange.js';
import { scrubError } from './scrub.js';
import { printable } from './text.js';
import type { WhopTokenParams } from './tokens.js';
import {
  CALLBACK_RULE,
  isCompanyId,
  isValidCallbackURL,
  resolveOptions,
  type WhopEnvironment,
  type WhopFlow,
  type WhopOAuth21Options,
  type WhopOAuth21OptionsWithRequest,
  type WhopStrategyOptions,
  type WhopStrategyOptionsWithRequest,
} from './options.js';
import { parseProfile, type WhopProfile } from './profile.js';
import {
  carriesState,
  carry,
  isCarried,
  storeState,
  type Carried,
  verifyState,
  type StateMetadata,
  type StateStore,
  type VerifyStateCallback,
} from './state.js';
import { AuthorizeURL, callbackURLOf } from './urls.js';
import {
  callVerify,
  type AnyVerify,
  type VerifyCallback,
  type VerifyFunction,
  type VerifyFunctionWithParams,
  type VerifyFunctionWithRequest,
  type VerifyFunctionWithRequestAndParams,
} from './verify.js';

/** The options of either flow, without and with `passReqToCallback`. */
type AnyOptions =
  | WhopStrategyOptions
  | WhopOAuth21Options
  | WhopStrategyOptionsWithRequest
  | WhopOAuth21OptionsWithRequest;

/** A request's query (or body) parameters, as Express parses them. */
type Query = Readonly<Record<string, string | undefined>>;

/** A callback's code, what its state store gave back, and what the exchange sends with it. */
interface Login extends CallbackParams {
  readonly callbackURL: string | undefined;
  readonly verifier: string | undefined;
  readonly nonce: string | undefined;
  /** The one limit on the callback's steps (the `timeout` option). */
  readonly deadline: Deadline;
}

/** A state store's own error, as the `state` step's `InternalOAuthError` with it as the cause. */
function storeFailed(err: unknown): Error {
  // The strategy's own TypeErrors (a store that cannot keep PKCE verifiers) say what to fix.
  if (err instanceof TypeError) return err;
  const said = err instanceof Error ? `: ${printable(err.message)}` : '';
  return internalError('state', `the state store failed${said}`, { cause: err });
}

/** The legacy flow's `scope`: the Whop permission scopes, then the company, space-separated. */
function legacyScope(permissions: string | undefined, company: string | undefined) {
  if (permissions === undefined) return company;
  return company === undefined ? permissions : `${permissions} ${company}`;
}

/** What a login that asked for no company asked for. */
const NO_COMPANY = Object.freeze({ company: undefined });

/** A login's tokens and profile, for the verify function. */
interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  readonly tokenParams: WhopTokenParams;
  readonly profile: WhopProfile | undefined;
}

/** passport-oauth2's `_loadUserProfile`: `userProfile`, unless `skipUserProfile` says skip. */
type ProfileLoader = (
  accessToken: string,
  done: (err?: unknown, profile?: WhopProfile) => void,
) => void;

/** What `passport.authenticate('whop', options)` takes beyond Passport's own options. */
export interface WhopAuthenticateOptions {
  /** The company to log in on behalf of, for this request; overrides the strategy's. */
  scope?: string;
  /** This login's callback URL; overrides the strategy's `callbackURL`. */
  callbackURL?: string;
  /** App state the state store keeps, given back as `req.authInfo.state` on the callback. */
  state?: unknown;
  [option: string]: unknown;
}

/**
 * Passport strategy for logging in with Whop, in either of Whop's OAuth flows (`flow` option).
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
  readonly flow: WhopFlow;
  /** @internal */
  readonly authorizationURL: string;
  /** @internal */
  readonly tokenURL: string;
  /** @internal Set in the OAuth 2.1 flow only. */
  readonly revocationURL: string | undefined;
  /** @internal */
  readonly customHeaders: Readonly<Record<string, string>>;
  /** @internal Whop's production or its sandbox (OAuth 2.1 only). */
  readonly environment: WhopEnvironment;
  /** @internal Whop's REST API base, without a trailing slash. */
  readonly apiURL: string;
  /** @internal The access checks and their cache, for `requireAccess` and `checkAccess`. */
  readonly access: AccessChecker;
  /** The resources a login needs access to (one of), when `requireAccess` is set. */
  private readonly requireAccess: readonly string[] | undefined;
  private readonly userProfileURL: string;
  private readonly company: string | undefined;
  private readonly openidScope: string | undefined;
  private readonly permissionScope: string | undefined;
  private readonly tokens: TokenExchange;
  private readonly checks: LoginChecks;
  private readonly stateStore: StateStore;
  /** Whether the state store gives back what the redirect asked for (see `carriesState`). */
  private readonly storeCarries: boolean;
  private readonly authorizeURL: AuthorizeURL;
  private readonly callbackURL: string;
  private readonly trustProxy: boolean;
  /** A subclass's `parseErrorResponse`, for the token step (see `customTokenError`). */
  private readonly parseError = (body: string, status: number): unknown =>
    this.customTokenError(body, status);

  // The verify forms, told apart as passport-oauth2 tells them apart (see `callVerify`): a
  // function of four parameters, `async` or not, is the profile form, and only `withParams`
  // makes an `async` function the params form.
  /** The profile form: `verify(accessToken, refreshToken, profile, done)`, or `async` without `done`. */
  constructor(options: WhopStrategyOptions | WhopOAuth21Options, verify: VerifyFunction);
  /** The params form: `verify(accessToken, refreshToken, params, profile, done)`, or `withParams(async ...)`. */
  constructor(options: WhopStrategyOptions | WhopOAuth21Options, verify: VerifyFunctionWithParams);
  /** With `passReqToCallback: true`, the profile form with the request first. */
  constructor(
    options: WhopStrategyOptionsWithRequest | WhopOAuth21OptionsWithRequest,
    verify: VerifyFunctionWithRequest,
  );
  /** With `passReqToCallback: true`, the params form with the request first. */
  constructor(
    options: WhopStrategyOptionsWithRequest | WhopOAuth21OptionsWithRequest,
    verify: VerifyFunctionWithRequestAndParams,
  );
  constructor(options: AnyOptions, verify: AnyVerify) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('WhopStrategy requires an options object');
    if (typeof verify !== 'function')
      throw new TypeError('WhopStrategy requires a verify function');
    const resolved = resolveOptions(options);
    const oauth21 = resolved.flow === 'oauth2.1';
    super(
      {
        clientID: resolved.clientID,
        clientSecret: resolved.clientSecret as string,
        callbackURL: options.callbackURL,
        authorizationURL: resolved.authorizationURL,
        tokenURL: resolved.tokenURL,
        scope: oauth21
          ? resolved.openidScope
          : legacyScope(resolved.permissionScope, resolved.company),
        // Whop's OAuth 2.1 requires PKCE S256. `store: true` picks passport-oauth2's session
        // store that keeps app state (with PKCE, the one that also keeps the verifier), where
        // authenticate() keeps the requested company and the nonce.
        pkce: oauth21,
        state: resolved.state,
        store: (options.store === undefined ? resolved.state || undefined : options.store) as never,
        sessionKey: options.sessionKey,
        skipUserProfile: options.skipUserProfile,
        proxy: options.proxy,
        customHeaders: options.customHeaders,
        passReqToCallback: options.passReqToCallback as false,
      },
      // Kept as passport-oauth2 keeps it (`_verify`), and called as it calls it.
      verify as never,
    );
    this.name = 'whop';
    this.flow = resolved.flow;
    this.clientID = resolved.clientID;
    this.clientSecret = resolved.clientSecret;
    this.tokenURL = resolved.tokenURL;
    this.revocationURL = resolved.revocationURL;
    this.userProfileURL = resolved.userProfileURL;
    this.company = resolved.company;
    this.openidScope = resolved.openidScope;
    this.permissionScope = resolved.permissionScope;
    this.customHeaders = { ...options.customHeaders };
    this.http = strategySettings(resolved.timeout, options.agent, this._oauth2 as never);
    this.tokens = new TokenExchange({ ...resolved, http: this.http, headers: this.customHeaders });
    this.environment = resolved.environment;
    this.apiURL = resolved.apiURL;
    this.requireAccess = resolved.requireAccess;
    this.access = new AccessChecker({
      apiURL: resolved.apiURL,
      maxAge: resolved.accessMaxAge,
      cacheSize: resolved.accessCacheSize,
      http: this.http,
      headers: this.customHeaders,
    });

    this.checks = new LoginChecks({
      flow: resolved.flow,
      // One record for the process, shared by every strategy without a codeStore: two
      // strategies (a user login and a company login) must not both exchange one code.
      codeStore: options.codeStore ?? processCodeStore(),
      needsSession: !isStore(options.store) && (resolved.state || Boolean(options.store)),
    });
    // The store passport-oauth2 picked for the `state`, `store` and `pkce` options above.
    this.stateStore = (this as unknown as { _stateStore: StateStore })._stateStore;
    this.storeCarries = carriesState(this.stateStore);
    this.authorizationURL = resolved.authorizationURL;
    this.authorizeURL = new AuthorizeURL(resolved.authorizationURL, resolved.clientID);
    this.callbackURL = options.callbackURL;
    // Truthy, as passport-oauth2 reads it.
    this.trustProxy = Boolean(options.proxy);

    // passport-oauth2-refresh refreshes tokens through this method of node-oauth; send them
    // through this package's client instead.
    const oauth2 = this._oauth2 as unknown as { getOAuthAccessToken: ExchangeMethod };
    oauth2.getOAuthAccessToken = this.tokens.method;
  }

  /**
   * Starts the login (no code: the redirect to Whop) or finishes it (a code: the state, the
   * company, the single-use claim, the exchange, the profile, verify), in the steps and with the
   * hooks of passport-oauth2's own `authenticate` (`authorizationParams`, `tokenParams`,
   * `userProfile`, `skipUserProfile`, the state store's forms), its URLs parsed once per strategy.
   */
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
    // A string state would go to Whop as it is, without the store: no verifier, no nonce kept.
    if (this.flow === 'oauth2.1' && typeof options.state === 'string') {
      return this.error(
        new TypeError(
          "WhopStrategy: with flow: 'oauth2.1' the state passed to authenticate() must be an object, not a string (PKCE and the nonce are kept in the state store)",
        ),
      );
    }
    // Read once: Express 5 parses the query string again at every read of req.query.
    const query = (req.query ?? {}) as Query;
    const body = req.body as Query | undefined;
    // Arrays and objects (`code=a&code=b`) and lone surrogates: a failed login, before the state.
    const malformed = malformedCallback(query, body);
    if (malformed) return this.fail({ message: malformed }, 400);
    if (query.error) return this.refused(query);
    const callbackURL = callbackURLOf(
      req,
      options.callbackURL ?? this.callbackURL,
      this.trustProxy,
    );
    if (callbackURL === undefined) {
      return this.fail(
        {
          message:
            'The request has no valid Host (or X-Forwarded-Host) to build the callback URL on',
        },
        400,
      );
    }
    const meta: StateMetadata = {
      authorizationURL: this.authorizationURL,
      tokenURL: this.tokenURL,
      clientID: this.clientID,
      callbackURL,
    };
    const code = query.code || body?.code;
    if (code) this.finishLogin(req, options, query, code, meta);
    else this.startLogin(req, options, meta);
  }

  /**
   * Whop sent the user back with an error: `access_denied` fails the login, anything else is an
   * `AuthorizationError`. Messages quote the query escaped (no CR/LF), and name Whop's error
   * code when it sent no description.
   */
  private refused(query: Query): void {
    const code = printable(query.error!);
    const { error_description: description, error_uri: uri } = query;
    const said = typeof description === 'string' && description !== '' ? description : undefined;
    if (code === 'access_denied') {
      return this.fail({
        message: said ? printable(said) : 'The user declined the login on Whop (access_denied)',
      });
    }
    const message = said
      ? printable(said)
      : `Whop ended the login with error ${code} and no description`;
    this.error(
      new AuthorizationError(message, code, typeof uri === 'string' ? printable(uri) : undefined!),
    );
  }

  /** The redirect to Whop's authorize page, the state (with PKCE and nonce) kept in the store. */
  private startLogin(req: Request, options: WhopAuthenticateOptions, meta: StateMetadata): void {
    const oauth21 = this.flow === 'oauth2.1';
    const company = options.scope ?? this.company;
    const params = this.authorizationParams(options) as Record<string, unknown>;
    let nonce: string | undefined;
    let verifier: string | undefined;
    if (oauth21) {
      // OAuth 2.1 sends the company as `company_id` and the OpenID scopes as `scope`.
      if (company !== undefined) params.company_id = company;
      nonce = randomBytes(16).toString('base64url');
      params.nonce = nonce;
    }
    params.response_type = 'code';
    params.redirect_uri = meta.callbackURL;
    const scope = oauth21 ? this.openidScope : legacyScope(this.permissionScope, company);
    if (scope) params.scope = scope;
    if (oauth21) {
      verifier = randomBytes(32).toString('base64url');
      params.code_challenge = createHash('sha256').update(verifier).digest('base64url');
      params.code_challenge_method = 'S256';
    }
    const appState = options.state;
    if (typeof appState === 'string' && appState !== '') {
      params.state = appState;
      return this.redirect(this.authorizeURL.with(params));
    }
    const noSession = this.checks.noSession(req);
    if (noSession) return this.error(noSession);
    // Beside the app's state, the store keeps what this login asked for (when it asked for a
    // company or sent a nonce) and gives it back on the callback.
    const state =
      company === undefined && !oauth21 ? appState : carry({ company, nonce }, appState);
    try {
      storeState(this.stateStore, req, verifier, state, meta, (err, handle) => {
        if (err) return this.error(storeFailed(err));
        if (handle) params.state = handle;
        this.redirect(this.authorizeURL.with(params));
      });
    } catch (error) {
      this.error(error);
    }
  }

  /**
   * The callback: the state, then the checks, the exchange and the profile, then verify. One
   * deadline (the `timeout` option) covers every step before verify; every error is scrubbed of
   * the login's secrets before it leaves.
   */
  private finishLogin(
    req: Request,
    options: WhopAuthenticateOptions,
    query: Query,
    code: string,
    meta: StateMetadata,
  ): void {
    const noSession = this.checks.noSession(req);
    if (noSession) return this.error(noSession);
    const body = req.body as Query | undefined;
    const providedState = query.state || body?.state;
    const deadline = new Deadline(this.http.timeout);
    const failed = (error: unknown, login?: Login) => {
      deadline.clear();
      const secrets = [code, providedState, this.clientSecret, login?.verifier];
      this.error(scrubError(error, secrets));
    };
    // A state store that never calls back ends the login when time is up; once it has, or has
    // failed, whatever it says later is ignored.
    let answered = false;
    const stateChecked: VerifyStateCallback = (err, ok, stored) => {
      if (answered) return;
      answered = true;
      deadline.release();
      if (err) {
        if (err === deadline.expired) return failed(err);
        return failed(storeFailed(err));
      }
      if (!ok) {
        deadline.clear();
        return this.fail(stored as { message: string }, 403);
      }
      const carried = isCarried(stored) ? stored : undefined;
      const login: Login = {
        code,
        scope: query.scope,
        callbackURL: meta.callbackURL,
        // PKCE stores answer the code verifier as `ok`.
        verifier: typeof ok === 'string' ? ok : undefined,
        nonce: carried?.nonce,
        requested: this.requested(options, carried),
        deadline,
      };
      this.exchange(options, login).then(
        (result) => {
          deadline.clear();
          process.nextTick(() =>
            typeof result === 'string'
              ? this.fail({ message: result }, 403)
              : this.verified(req, result, carried ? carried.state : stored),
          );
        },
        (error: unknown) => process.nextTick(failed, error, login),
      );
    };
    try {
      deadline.enter('state', stateChecked);
      verifyState(this.stateStore, req, providedState, meta, stateChecked);
    } catch (error) {
      if (answered) failed(error);
      else stateChecked(error as Error);
    }
  }

  /**
   * What the login asked for, when known: what the store carried; with a store that carries state
   * but gave back no Carried object, no company (the strategy carries one whenever it is asked
   * for); with a store that cannot carry it, the company this callback asks for, if any.
   */
  private requested(
    options: WhopAuthenticateOptions,
    carried: Carried | undefined,
  ): Login['requested'] {
    if (carried) return { company: carried.company ?? undefined };
    if (this.storeCarries) return NO_COMPANY;
    const company = options.scope ?? this.company;
    return company === undefined ? undefined : { company };
  }

  /** The company and code checks, the exchange and the profile; a string is a failure message. */
  private async exchange(options: WhopAuthenticateOptions, login: Login): Promise<Tokens | string> {
    const { deadline } = login;
    const failure = await this.checks.afterState(login, deadline);
    if (failure) return failure;
    const params = this.tokenParams(options) as Record<string, unknown>;
    params.grant_type = 'authorization_code';
    params.redirect_uri = login.callbackURL;
    if (login.verifier !== undefined) params.code_verifier = login.verifier;
    const tokens = await this.tokens.exchange(
      login.code,
      params,
      login.nonce,
      deadline,
      this.parseError,
    );
    // Whop's token response does not say which company the tokens are for, and a refresh must
    // name the same one: tell the verify function what this login asked for.
    const company = login.requested?.company;
    if (company !== undefined) (tokens.tokenParams as { company_id?: string }).company_id = company;
    try {
      const profile = await this.loadProfile(tokens.accessToken, deadline);
      if (this.requireAccess === undefined) return { ...tokens, profile };
      // Without a profile (skipUserProfile), the ID token names the user.
      const userId = profile?.id ?? tokens.tokenParams.id_token_claims?.sub;
      if (userId === undefined)
        throw new TypeError(
          'WhopStrategy needs the profile or an ID token to check requireAccess: do not skip the profile',
        );
      // Within the login's deadline: the checks (several at once, shared between logins) each
      // get the time left, and the login stops waiting when it is up.
      const http = { ...this.http, timeout: Math.max(1, deadline.remaining()) };
      const checking = admit(this.access, this.requireAccess, tokens.accessToken, userId, http);
      const access = await deadline.run('access', checking);
      if (typeof access === 'string') return access;
      return { ...tokens, profile: profile && { ...profile, access } };
    } catch (error) {
      throw scrubError(error, tokensOf(tokens.tokenParams).concat(tokens.refreshToken));
    }
  }

  /**
   * The profile, within the login's deadline: this class's own `userProfile` request ends when
   * time is up; an overridden one (or `skipUserProfile`, passport-oauth2's hook) is waited for
   * until then.
   */
  private loadProfile(accessToken: string, deadline: Deadline): Promise<WhopProfile | undefined> {
    const self = this as unknown as { _loadUserProfile: ProfileLoader; _skipUserProfile: unknown };
    if (this.userProfile === WhopStrategy.prototype.userProfile && self._skipUserProfile === false)
      return this.fetchProfile(accessToken, deadline);
    const loading = new Promise<WhopProfile | undefined>((resolve, reject) => {
      self._loadUserProfile(accessToken, (err, loaded) => (err ? reject(err) : resolve(loaded)));
    });
    return deadline.run('profile', loading);
  }

  /**
   * Hands the tokens and profile to the app's verify function and ends the login as it says, as
   * passport-oauth2's `verified` does (the app state added to `info` as it adds it). The first of
   * `done` and a returned promise decides; anything after it is ignored.
   */
  private verified(req: Request, tokens: Tokens, appState: unknown): void {
    let decided = false;
    const done: VerifyCallback = (err, user, info) => {
      if (decided) return;
      decided = true;
      // verify's error is passed on too: no token of this login in it either.
      if (err) return this.error(scrubError(err, tokensOf(tokenParams).concat(refreshToken)));
      if (!user) return this.fail(info as never);
      this.success(user, withState(info, appState) as never);
    };
    const self = this as unknown as { _verify: AnyVerify; _passReqToCallback: unknown };
    const { accessToken, refreshToken, tokenParams, profile } = tokens;
    try {
      callVerify(
        this,
        self._verify,
        self._passReqToCallback,
        req,
        accessToken,
        refreshToken,
        tokenParams,
        profile,
        done,
      );
    } catch (error) {
      if (decided) return;
      decided = true;
      this.error(error);
    }
  }

  /**
   * The error a subclass's `parseErrorResponse(body, status)` makes of a failed token answer, as
   * passport-oauth2 asks it; passport-oauth2's own (RFC 6749 only, always status 500) is not
   * asked: this package reads Whop's error shapes with the real status.
   */
  private customTokenError(body: string, status: number): unknown {
    const parse = this.parseErrorResponse;
    if (parse === OAuth2Strategy.prototype.parseErrorResponse) return undefined;
    return parse.call(this, body, status);
  }

  /** Loads the user's profile from Whop, with the access token in the `Authorization` header. */
  override userProfile(
    accessToken: string,
    done: (err?: unknown, profile?: WhopProfile) => void,
  ): void {
    this.fetchProfile(accessToken).then(
      (profile) => process.nextTick(() => done(null, profile)),
      (error: Error) => process.nextTick(() => done(error)),
    );
  }

  /** The profile request; any failure is the profile step's, an InternalOAuthError. */
  private async fetchProfile(accessToken: string, deadline?: Deadline): Promise<WhopProfile> {
    const request = {
      step: 'profile',
      url: this.userProfileURL,
      bearer: accessToken,
      headers: this.customHeaders,
    } as const;
    const response = await send(request, this.http, deadline);
    const { status, retryAfter } = response;
    try {
      if (!isSuccess(response))
        throw internalError('profile', describeFailure(response), { status, retryAfter });
      try {
        return parseProfile(response.text);
      } catch (error) {
        throw internalError('profile', (error as Error).message, { cause: error, status });
      }
    } catch (error) {
      // Whop's 401 may quote the token it was sent.
      throw scrubError(error, [accessToken]);
    }
  }
}

/**
 * passport-oauth2's `info = info || {}; if (state) info.state = state;`, in sloppy mode as it
 * runs there: a string or frozen `info` is passed on unchanged rather than throwing.
 */
function withState(info: unknown, appState: unknown): unknown {
  const details = info || {};
  if (appState && (typeof details === 'object' || typeof details === 'function'))
    Reflect.set(details, 'state', appState);
  return details;
}

/** Whether the `store` option is a store of the app's, as passport-oauth2 tells: an object. */
function isStore(store: unknown): boolean {
  return typeof store === 'object' && store !== null;
}

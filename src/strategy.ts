import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import OAuth2Strategy from 'passport-oauth2';
import {
  addAuthorizeParams,
  invalidAuthenticateOptions,
  legacyScope,
  type WhopAuthenticateOptions,
} from './flow/authorize.js';
import { LoginChecks, malformedCallback, refusal, type Query } from './flow/callback.js';
import { processCodeStore } from './stores/codes.js';
import { Deadline } from './flow/deadline.js';
import { registerClient, WhopClient } from './whop/client.js';
import type { ExchangeMethod } from './whop/exchange.js';
import { customTokenError, LoginSteps, type Login } from './flow/login.js';
import { clientCredentials, scrubError } from './whop/scrub.js';
import {
  resolveOptions,
  type WhopFlow,
  type WhopOAuth21Options,
  type WhopOAuth21OptionsWithRequest,
  type WhopStrategyOptions,
  type WhopStrategyOptionsWithRequest,
} from './options.js';
import type { WhopProfile } from './whop/profile.js';
import {
  carriesState,
  carry,
  isCarried,
  isStore,
  storeFailed,
  storeState,
  verifyState,
  type StateMetadata,
  type StateStore,
  type VerifyStateCallback,
} from './flow/state.js';
import { AuthorizeURL, callbackURLOf, NO_CALLBACK_HOST } from './flow/urls.js';
import {
  verified,
  type AnyVerify,
  type VerifyFunction,
  type VerifyFunctionWithParams,
  type VerifyFunctionWithRequest,
  type VerifyFunctionWithRequestAndParams,
} from './flow/verify.js';

/** The options of either flow, without and with `passReqToCallback`. */
type AnyOptions =
  | WhopStrategyOptions
  | WhopOAuth21Options
  | WhopStrategyOptionsWithRequest
  | WhopOAuth21OptionsWithRequest;

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
  /** This strategy's way to Whop, shared with refresh, revoke and `checkAccess` (see `clientOf`). */
  private readonly client: WhopClient;
  private readonly flow: WhopFlow;
  private readonly authorizationURL: string;
  private readonly company: string | undefined;
  private readonly openidScope: string | undefined;
  private readonly permissionScope: string | undefined;
  private readonly checks: LoginChecks;
  /** The callback's steps after the state: the checks, the exchange, the profile, the access. */
  private readonly steps: LoginSteps;
  private readonly stateStore: StateStore;
  private readonly authorizeURL: AuthorizeURL;
  private readonly callbackURL: string;
  private readonly trustProxy: boolean;

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
    this.company = resolved.company;
    this.openidScope = resolved.openidScope;
    this.permissionScope = resolved.permissionScope;
    // node-oauth's OAuth2, whose agent (setAgent) and custom headers the client reads at each
    // request, as node-oauth does.
    this.client = new WhopClient(
      { ...resolved, agent: options.agent, refreshLock: options.refreshLock },
      this._oauth2 as never,
    );
    registerClient(this, this.client);

    this.checks = new LoginChecks({
      flow: resolved.flow,
      // One record for the process, shared by every strategy without a codeStore: two
      // strategies (a user login and a company login) must not both exchange one code.
      codeStore: options.codeStore ?? processCodeStore(),
      needsSession: !isStore(options.store) && (resolved.state || Boolean(options.store)),
    });
    // The store passport-oauth2 picked for the `state`, `store` and `pkce` options above.
    this.stateStore = (this as unknown as { _stateStore: StateStore })._stateStore;
    this.steps = new LoginSteps({
      checks: this.checks,
      client: this.client,
      userProfileURL: resolved.userProfileURL,
      requireAccess: resolved.requireAccess,
      company: resolved.company,
      storeCarries: carriesState(this.stateStore),
      ownUserProfile: WhopStrategy.prototype.userProfile,
      parseError: (body, status) => customTokenError(this, body, status),
    });
    this.authorizationURL = resolved.authorizationURL;
    this.authorizeURL = new AuthorizeURL(resolved.authorizationURL, resolved.clientID);
    this.callbackURL = options.callbackURL;
    // Truthy, as passport-oauth2 reads it.
    this.trustProxy = Boolean(options.proxy);

    // passport-oauth2-refresh refreshes tokens through this method of node-oauth; send them
    // through this package's client instead (the refresh path of refreshAccessToken).
    const oauth2 = this._oauth2 as unknown as { getOAuthAccessToken: ExchangeMethod };
    oauth2.getOAuthAccessToken = this.client.getOAuthAccessToken;
  }

  /**
   * Starts the login (no code: the redirect to Whop) or finishes it (a code: the state, the
   * company, the single-use claim, the exchange, the profile, verify), in the steps and with the
   * hooks of passport-oauth2's own `authenticate` (`authorizationParams`, `tokenParams`,
   * `userProfile`, `skipUserProfile`, the state store's forms), its URLs parsed once per strategy.
   */
  override authenticate(req: Request, options: WhopAuthenticateOptions = {}): void {
    const invalid = invalidAuthenticateOptions(options, this.flow);
    if (invalid) return this.error(invalid);
    // Read once: Express 5 parses the query string again at every read of req.query.
    const query = (req.query ?? {}) as Query;
    const body = req.body as Query | undefined;
    // Arrays and objects (`code=a&code=b`) and lone surrogates: a failed login, before the state.
    const malformed = malformedCallback(query, body);
    if (malformed) return this.fail({ message: malformed }, 400);
    if (query.error) {
      const refused = refusal(query);
      return typeof refused === 'string' ? this.fail({ message: refused }) : this.error(refused);
    }
    const callbackURL = callbackURLOf(
      req,
      options.callbackURL ?? this.callbackURL,
      this.trustProxy,
    );
    if (callbackURL === undefined) return this.fail({ message: NO_CALLBACK_HOST }, 400);
    const meta: StateMetadata = {
      authorizationURL: this.authorizationURL,
      tokenURL: this.client.tokenURL,
      clientID: this.client.clientID,
      callbackURL,
    };
    const code = query.code || body?.code;
    if (code) this.finishLogin(req, options, query, code, meta);
    else this.startLogin(req, options, meta);
  }

  /** The redirect to Whop's authorize page, the state (with PKCE and nonce) kept in the store. */
  private startLogin(req: Request, options: WhopAuthenticateOptions, meta: StateMetadata): void {
    const oauth21 = this.flow === 'oauth2.1';
    const company = options.scope ?? this.company;
    const params = this.authorizationParams(options) as Record<string, unknown>;
    const nonce = oauth21 ? randomBytes(16).toString('base64url') : undefined;
    const scope = oauth21 ? this.openidScope : legacyScope(this.permissionScope, company);
    const verifier = addAuthorizeParams(params, oauth21, company, nonce, scope, meta.callbackURL);
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
    const deadline = new Deadline(this.client.http.timeout);
    const secretsOf = (login?: Login) => [
      code,
      providedState,
      this.client.clientSecret,
      login?.verifier,
      ...clientCredentials(this.client.clientID, this.client.clientSecret),
    ];
    const failed = (error: unknown, login?: Login) => {
      deadline.clear();
      this.error(scrubError(error, secretsOf(login)));
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
        requested: this.steps.requested(options.scope, carried),
        deadline,
      };
      this.steps.exchange(this, options, login).then(
        (result) => {
          deadline.clear();
          process.nextTick(() =>
            typeof result === 'string'
              ? this.fail({ message: result }, 403)
              : verified(this, req, result, carried ? carried.state : stored, secretsOf(login)),
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

  /** Loads the user's profile from Whop, with the access token in the `Authorization` header. */
  override userProfile(
    accessToken: string,
    done: (err?: unknown, profile?: WhopProfile) => void,
  ): void {
    this.steps.fetchProfile(accessToken).then(
      (profile) => process.nextTick(() => done(null, profile)),
      (error: Error) => process.nextTick(() => done(error)),
    );
  }
}

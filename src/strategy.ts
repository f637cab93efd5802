import type { Request } from 'express';
import OAuth2Strategy from 'passport-oauth2';
import { CALLBACK_MALFORMED, HOST_INVALID, LOGIN_DECLINED } from './whop/error-codes.js';
import {
  invalidStart,
  startLogin,
  type AuthorizeSettings,
  type WhopAuthenticateOptions,
} from './flow/authorize.js';
import { malformedCallback, refusal, type Query } from './flow/callback.js';
import { finishLogin, type LoginSettings } from './flow/login.js';
import { membersOf, type ProfileCallback } from './flow/members.js';
import { userProfile, type ProfileLoader } from './flow/profile.js';
import { LoginScopes } from './flow/scope.js';
import { processCodeStore } from './stores/codes.js';
import { registerClient, WhopClient } from './whop/client.js';
import type { ExchangeMethod } from './whop/exchange.js';
import { clientCredentials } from './whop/scrub.js';
import { resolveOptions, type ResolvedOptions } from './resolve-options.js';
import type {
  WhopFlow,
  WhopOAuth21Options,
  WhopOAuth21OptionsWithRequest,
  WhopStrategyOptions,
  WhopStrategyOptionsWithRequest,
} from './options.js';
import type { WhopProfile } from './whop/profile.js';
import { isStore, type StateMetadata, type StateStore } from './flow/state.js';
import { AuthorizeURLs, callbackURLOf, NO_CALLBACK_HOST } from './flow/urls.js';
import type { AnyVerify, VerifyFunction } from './flow/verify.js';

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
  /** Which of Whop's two OAuth flows this strategy speaks. */
  private readonly flow: WhopFlow;
  /** The strategy's scope, worked out once per `_scope`. */
  private readonly scopes: LoginScopes;
  private readonly authorizeSettings: AuthorizeSettings;
  private readonly loginSettings: LoginSettings;

  // The verify forms, told apart as passport-oauth2 tells them apart (see `callVerify`): a
  // function of four parameters, `async` or not, is the profile form, and only `withParams`
  // makes an `async` function the params form.
  /** The profile form: `verify(accessToken, refreshToken, profile, done)`, or `async` without `done`. */
  constructor(options: WhopStrategyOptions | WhopOAuth21Options, verify: VerifyFunction);
  /** The params form: `verify(accessToken, refreshToken, params, profile, done)`, or `withParams(async ...)`. */
  constructor(
    options: WhopStrategyOptions | WhopOAuth21Options,
    verify: VerifyFunction<{ params: true }>,
  );
  /** With `passReqToCallback: true`, the profile form with the request first. */
  constructor(
    options: WhopStrategyOptionsWithRequest | WhopOAuth21OptionsWithRequest,
    verify: VerifyFunction<{ request: true }>,
  );
  /** With `passReqToCallback: true`, the params form with the request first. */
  constructor(
    options: WhopStrategyOptionsWithRequest | WhopOAuth21OptionsWithRequest,
    verify: VerifyFunction<{ request: true; params: true }>,
  );
  constructor(options: AnyOptions, verify: AnyVerify) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('WhopStrategy requires an options object');
    if (typeof verify !== 'function')
      throw new TypeError('WhopStrategy requires a verify function');
    const resolved = resolveOptions(options);
    super(
      oauth2Options(options, resolved),
      // Kept as passport-oauth2 keeps it (`_verify`), and called as it calls it.
      verify as never,
    );
    this.name = 'whop';
    this.flow = resolved.flow;
    const self = membersOf(this);
    // node-oauth's `get` as WhopStrategy sends the profile request: the token in the header.
    this._oauth2.useAuthorizationHeaderforGET(true);
    // node-oauth's OAuth2, whose agent (setAgent) and custom headers the client reads at each
    // request, as node-oauth does.
    this.client = new WhopClient(
      { ...resolved, agent: options.agent, refreshLock: options.refreshLock },
      self._oauth2,
    );
    registerClient(this, this.client);

    // passport-oauth2-refresh refreshes tokens through this method of node-oauth; send them
    // through this package's client instead (the refresh path of refreshAccessToken).
    const oauth2 = this._oauth2 as unknown as { getOAuthAccessToken: ExchangeMethod };
    oauth2.getOAuthAccessToken = this.client.getOAuthAccessToken;
    this.scopes = new LoginScopes(resolved.flow);
    // The store passport-oauth2 made for `state` or `store: true` keeps it in the session.
    const sessionStore =
      !isStore(options.store) && (resolved.state || options.store) ? self._stateStore : undefined;
    this.authorizeSettings = {
      flow: resolved.flow,
      clientSecret: resolved.clientSecret,
      sessionStore,
      urls: new AuthorizeURLs(),
    };
    this.loginSettings = loginSettings(options, resolved, this.client, sessionStore, {
      url: resolved.userProfileURL,
      http: this.client.http,
      own: WhopStrategy.prototype.userProfile,
      nodeGet: self._oauth2.get,
    });
  }

  /**
   * Starts the login (no code: the redirect to Whop, see `startLogin`) or finishes it (a code:
   * the callback pipeline, see `finishLogin`), reading passport-oauth2's members (`_oauth2`,
   * `_callbackURL`, `_scope`, `_stateStore`, `_trustProxy`, the hooks) when the request comes,
   * as passport-oauth2 does.
   */
  override authenticate(req: Request, options: WhopAuthenticateOptions = {}): void {
    const self = membersOf(this);
    // Read once: Express 5 parses the query string again at every read of req.query.
    const query = (req.query ?? {}) as Query;
    const body = req.body as Query | undefined;
    // Arrays and objects (`code=a&code=b`) and lone surrogates: a failed login, before the state.
    const malformed = malformedCallback(query, body);
    if (malformed) return this.fail({ message: malformed, code: CALLBACK_MALFORMED }, 400);
    if (query.error) {
      const refused = refusal(query);
      return typeof refused === 'string'
        ? this.fail({ message: refused, code: LOGIN_DECLINED })
        : this.error(refused);
    }
    const given = options.callbackURL || self._callbackURL;
    const callbackURL = given ? callbackURLOf(req, given, self._trustProxy) : undefined;
    if (given && callbackURL === undefined)
      return this.fail({ message: NO_CALLBACK_HOST, code: HOST_INVALID }, 400);
    const oauth2 = self._oauth2;
    const meta: StateMetadata = {
      authorizationURL: oauth2._authorizeUrl,
      tokenURL: oauth2._accessTokenUrl,
      clientID: oauth2._clientId,
      callbackURL,
    };
    const scope = this.scopes.of(options.scope, self._scope, self._scopeSeparator);
    const code = query.code || body?.code;
    if (!code) {
      const invalid = invalidStart(options, this.flow, scope, self._scopeSeparator);
      if (invalid) return this.error(invalid);
      const redirect = { scope: scope!, callbackURL, meta, options };
      return void startLogin(self, this.authorizeSettings, req, redirect).catch(rethrow);
    }
    // On the callback the scope only says which company to expect when the state names none.
    const company = (scope ?? this.scopes.of(undefined, self._scope, self._scopeSeparator))
      ?.company;
    const state = query.state || body?.state;
    const login = { code, state, scope: query.scope, callbackURL, meta, company, options };
    void finishLogin(self, this.loginSettings, req, login).catch(rethrow);
  }

  /**
   * Loads the user's profile from Whop, with the access token in the `Authorization` header
   * (through `_oauth2.get` when it was replaced or set to send otherwise).
   */
  override userProfile(
    accessToken: string,
    done: (err?: unknown, profile?: WhopProfile) => void,
  ): void {
    userProfile(membersOf(this), this.loginSettings.profiles, accessToken, done as ProfileCallback);
  }
}

/** What passport-oauth2's constructor is given: the options as it reads them, checked. */
function oauth2Options(
  options: AnyOptions,
  resolved: ResolvedOptions,
): OAuth2Strategy.StrategyOptions {
  return {
    clientID: resolved.clientID,
    clientSecret: resolved.clientSecret as string,
    callbackURL: options.callbackURL,
    authorizationURL: resolved.authorizationURL,
    tokenURL: resolved.tokenURL,
    // As the app gave it: read at each redirect, as passport-oauth2 reads it.
    scope: resolved.scope as string[],
    scopeSeparator: resolved.scopeSeparator,
    // Whop's OAuth 2.1 requires PKCE S256. `store: true` picks passport-oauth2's session
    // store that keeps app state (with PKCE, the one that also keeps the verifier).
    pkce: resolved.pkce as boolean,
    state: resolved.state,
    store: (options.store === undefined ? resolved.state || undefined : options.store) as never,
    sessionKey: options.sessionKey,
    skipUserProfile: options.skipUserProfile as boolean,
    proxy: options.proxy,
    customHeaders: options.customHeaders,
    passReqToCallback: options.passReqToCallback as false,
  };
}

/** What the callback needs beyond passport-oauth2's members, set once. */
function loginSettings(
  options: AnyOptions,
  resolved: ResolvedOptions,
  client: WhopClient,
  sessionStore: StateStore | undefined,
  profiles: ProfileLoader,
): LoginSettings {
  return {
    flow: resolved.flow,
    timeout: resolved.timeout,
    // One record for the process, shared by every strategy without a codeStore: two
    // strategies (a user login and a company login) must not both exchange one code.
    codeStore: options.codeStore ?? processCodeStore(),
    sessionStore,
    clientSecret: resolved.clientSecret,
    secrets: [
      resolved.clientSecret ?? '',
      ...clientCredentials(resolved.clientID, resolved.clientSecret),
    ].filter(Boolean),
    exchanger: { tokens: client.tokens, method: client.getOAuthAccessToken, http: client.http },
    profiles,
    requireAccess: resolved.requireAccess,
    access: client.access,
  };
}

/**
 * A throw from Passport's `error` itself (an app's custom callback that throws on an error too)
 * leaves the login's promise: raised as passport-oauth2 raises it, an uncaught exception.
 */
function rethrow(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}

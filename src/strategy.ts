import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import OAuth2Strategy, { InternalOAuthError } from 'passport-oauth2';
import { LoginChecks } from './callback.js';
import { MemoryCodeStore } from './codes.js';
import { internalError } from './errors.js';
import { describeFailure, isSuccess, send, type HttpSettings } from './http.js';
import { TokenExchange, type ExchangeMethod } from './exchange.js';
import {
  CALLBACK_RULE,
  isCompanyId,
  isValidCallbackURL,
  resolveOptions,
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
  GuardedStateStore,
  isCarried,
  type RequestExtras,
  type StateStore,
} from './state.js';
import {
  adaptVerify,
  type AnyVerify,
  type AsyncVerifyFunction,
  type AsyncVerifyFunctionWithParams,
  type AsyncVerifyFunctionWithRequest,
  type AsyncVerifyFunctionWithRequestAndParams,
  type VerifyFunction,
  type VerifyFunctionWithParams,
  type VerifyFunctionWithRequest,
  type VerifyFunctionWithRequestAndParams,
} from './verify.js';

/** The options of either flow, without and with `passReqToCallback`. */
type Options = WhopStrategyOptions | WhopOAuth21Options;
type OptionsWithRequest = WhopStrategyOptionsWithRequest | WhopOAuth21OptionsWithRequest;

/** What `passport.authenticate('whop', options)` takes beyond Passport's own options. */
export interface WhopAuthenticateOptions {
  /** The company to log in on behalf of, for this request; overrides the strategy's. */
  scope?: string;
  callbackURL?: string;
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
  readonly tokenURL: string;
  /** @internal Set in the OAuth 2.1 flow only. */
  readonly revocationURL: string | undefined;
  /** @internal */
  readonly customHeaders: Readonly<Record<string, string>>;
  private readonly userProfileURL: string;
  private readonly company: string | undefined;
  private readonly openidScope: string | undefined;
  private readonly tokens: TokenExchange;
  private readonly checks: LoginChecks;
  /** Whether the state store gives back what the redirect asked for (see `carriesState`). */
  private readonly storeCarries: boolean;

  constructor(options: Options, verify: AsyncVerifyFunction);
  constructor(options: Options, verify: AsyncVerifyFunctionWithParams);
  constructor(options: Options, verify: VerifyFunction);
  constructor(options: Options, verify: VerifyFunctionWithParams);
  constructor(options: OptionsWithRequest, verify: AsyncVerifyFunctionWithRequest);
  constructor(options: OptionsWithRequest, verify: AsyncVerifyFunctionWithRequestAndParams);
  constructor(options: OptionsWithRequest, verify: VerifyFunctionWithRequest);
  constructor(options: OptionsWithRequest, verify: VerifyFunctionWithRequestAndParams);
  constructor(options: Options | OptionsWithRequest, verify: AnyVerify) {
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
        scope: oauth21 ? resolved.openidScope : resolved.company,
        // Whop's OAuth 2.1 requires PKCE S256. `store: true` picks passport-oauth2's session
        // store that keeps app state (with PKCE, the one that also keeps the verifier): the guard
        // stores the requested company and the nonce there.
        pkce: oauth21,
        state: resolved.state,
        store: (options.store ?? (resolved.state ? true : undefined)) as never,
        sessionKey: options.sessionKey,
        skipUserProfile: options.skipUserProfile,
        proxy: options.proxy,
        customHeaders: options.customHeaders,
        passReqToCallback: options.passReqToCallback as false,
      },
      adaptVerify(verify, options.passReqToCallback === true),
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
    this.customHeaders = { ...options.customHeaders };
    this.http = { timeout: resolved.timeout, agent: options.agent };
    this.tokens = new TokenExchange({ ...resolved, http: this.http, headers: this.customHeaders });

    this.checks = new LoginChecks({
      flow: resolved.flow,
      codeStore: options.codeStore ?? new MemoryCodeStore(),
      needsSession: options.store === undefined && resolved.state,
      claimed: (code, nonce) => this.tokens.expectNonce(code, nonce),
    });
    const self = this as unknown as { _stateStore: StateStore };
    this.storeCarries = carriesState(self._stateStore);
    self._stateStore = new GuardedStateStore(
      self._stateStore,
      this.checks,
    ) as unknown as StateStore;

    // passport-oauth2 (and passport-oauth2-refresh) exchange codes and refresh tokens through
    // this method of node-oauth; send them through this package's client instead.
    const oauth2 = this._oauth2 as unknown as { getOAuthAccessToken: ExchangeMethod };
    oauth2.getOAuthAccessToken = this.tokens.method;
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
    const oauth21 = this.flow === 'oauth2.1';
    // passport-oauth2 skips the state store for a string state: no verifier, no nonce kept.
    if (oauth21 && typeof options.state === 'string') {
      return this.error(
        new TypeError(
          "WhopStrategy: with flow: 'oauth2.1' the state passed to authenticate() must be an object, not a string (PKCE and the nonce are kept in the state store)",
        ),
      );
    }
    const company = options.scope ?? this.company;
    const extras: RequestExtras = oauth21
      ? { company, nonce: randomBytes(16).toString('base64url') }
      : { company };
    if (!this.storeCarries) this.checks.remember(req, extras);
    super.authenticate(req, {
      ...options,
      // The legacy flow sends the company as `scope`; OAuth 2.1 the OpenID scopes (and the
      // company as `company_id`, from authorizationParams).
      scope: oauth21 ? this.openidScope : company,
      // passport-oauth2 hands an object `state` to the store at the redirect (with what this
      // login asked for, when it asked for a company or sent a nonce); a string one (legacy
      // flow only) it sends to Whop as it is, without the store.
      state:
        typeof options.state === 'string' || (company === undefined && !oauth21)
          ? options.state
          : carry(extras, options.state),
    });
  }

  /** OAuth 2.1's extra authorize parameters: `nonce`, and `company_id` when one is asked for. */
  override authorizationParams(options: Record<PropertyKey, unknown>): object {
    const carried = options.state;
    if (this.flow !== 'oauth2.1' || !isCarried(carried)) return {};
    return {
      ...(carried.company !== null && { company_id: carried.company }),
      nonce: carried.nonce,
    };
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
        // Any failure here is the profile step's, an InternalOAuthError, whatever Whop's body.
        if (!isSuccess(response))
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
}

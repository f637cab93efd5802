import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import {
  resolveAppOptions,
  type WhopAppAuthenticateOptions,
  type WhopAppStrategyOptions,
  type WhopAppStrategyOptionsWithRequest,
  type WhopAppUser,
  type WhopAppVerifyFunction,
  type WhopAppVerifyFunctionWithRequest,
} from './app-options.js';
import { AccessRefused, NO_ACCESS, requestedAccess } from './flow/require-access.js';
import { userTokenOf, type HeaderCarrier } from './flow/token-source.js';
import { settle, type VerifyCallback } from './flow/verify.js';
import { AccessChecker, admit } from './whop/access.js';
import { accessClient, registerClient } from './whop/client.js';
import type { HttpSettings } from './whop/http.js';
import { scrubError } from './whop/scrub.js';
import {
  USER_TOKEN_MALFORMED,
  USER_TOKEN_MISSING,
  UserTokenRefused,
  UserTokenVerifier,
} from './whop/user-token.js';

type AnyAppVerify = WhopAppVerifyFunction | WhopAppVerifyFunctionWithRequest;

/**
 * Passport strategy for apps embedded in whop.com: verifies the user token Whop's proxy adds to
 * each request from the app's iframe (`x-whop-user-token`, or the dev proxy's `whop_user_token`
 * cookie) and, with `requireAccess`, asks Whop whether the user may use a resource, with the
 * app's API key. Named `whop-app`; use it with `session: false`.
 *
 * @example
 * ```ts
 * passport.use(new WhopAppStrategy(
 *   { appId: process.env.WHOP_APP_ID!, apiKey: process.env.WHOP_API_KEY },
 *   async (user) => ({ id: user.userId, access: user.access }),
 * ));
 * app.get('/experiences/:experienceId', (req, res, next) =>
 *   passport.authenticate('whop-app', { session: false, requireAccess: req.params.experienceId })(req, res, next),
 *   (req, res) => res.json(req.user));
 * ```
 */
export class WhopAppStrategy extends Strategy {
  /** The strategy's name for `passport.authenticate`: `whop-app`. */
  name = 'whop-app';
  /** @internal The user tokens' rules and Whop's keys. */
  readonly tokens: UserTokenVerifier;
  /** @internal The access checks, asked with the app's API key. */
  readonly access: AccessChecker;
  /** @internal How this strategy reaches Whop. */
  readonly http: HttpSettings;
  private readonly verify: AnyAppVerify;
  private readonly passReqToCallback: boolean;
  private readonly headerName: string;
  private readonly cookieName: string;
  private readonly hasApiKey: boolean;

  /** `verify(user, done)`, or an `async` verify that resolves the app's user. */
  constructor(options: WhopAppStrategyOptions, verify: WhopAppVerifyFunction);
  /** With `passReqToCallback: true`: `verify(req, user, done)`. */
  constructor(options: WhopAppStrategyOptionsWithRequest, verify: WhopAppVerifyFunctionWithRequest);
  constructor(
    options: WhopAppStrategyOptions | WhopAppStrategyOptionsWithRequest,
    verify: AnyAppVerify,
  ) {
    super();
    if (typeof verify !== 'function')
      throw new TypeError('WhopAppStrategy requires a verify function');
    const resolved = resolveAppOptions(options);
    this.verify = verify;
    this.passReqToCallback = resolved.passReqToCallback;
    this.headerName = resolved.headerName;
    this.cookieName = resolved.cookieName;
    this.hasApiKey = resolved.apiKey !== undefined;
    this.http = { timeout: resolved.timeout, agent: resolved.agent };
    this.tokens = new UserTokenVerifier({ ...resolved, http: this.http });
    this.access = new AccessChecker({
      apiURL: resolved.apiURL,
      maxAge: resolved.accessMaxAge,
      cacheSize: resolved.accessCacheSize,
      http: this.http,
      headers: {},
      apiKey: resolved.apiKey,
    });
    // checkAccess reaches the checks through the client registry, not this strategy's fields.
    registerClient(this, accessClient(this.access));
  }

  /**
   * Fails with 401 when the request carries no user token or one that breaks a rule, with 403
   * when `requireAccess` is given and the user has access to none of it; else calls verify.
   */
  override authenticate(req: Request, options: WhopAppAuthenticateOptions = {}): void {
    const found = userTokenOf(req as HeaderCarrier, this.headerName, this.cookieName);
    if (found.token === undefined) {
      const refused = found.several
        ? new UserTokenRefused(
            USER_TOKEN_MALFORMED,
            `The request carries several Whop user tokens (${this.headerName})`,
          )
        : new UserTokenRefused(
            USER_TOKEN_MISSING,
            `The request carries no Whop user token (the ${this.headerName} header or the ${this.cookieName} cookie): open the app inside Whop, or through Whop's dev proxy`,
          );
      return this.refuse(refused);
    }
    const { token } = found;
    this.admit(token, options).then(
      (user) => process.nextTick(() => this.handOff(req, user, token)),
      (error: unknown) => process.nextTick(() => this.refuse(error, token)),
    );
  }

  /** The token's user, with their access levels when `requireAccess` asks for them. */
  private async admit(token: string, options: object): Promise<WhopAppUser> {
    const claims = await this.tokens.verify(token);
    const user: WhopAppUser = { userId: claims.sub, appId: claims.aud, claims };
    const resources = requestedAccess(options, 'WhopAppStrategy');
    if (resources === undefined) return user;
    if (!this.hasApiKey)
      throw new TypeError(
        "WhopAppStrategy requires the apiKey option for requireAccess: Whop checks a user's access with the app's API key",
      );
    const access = await admit(this.access, resources, undefined, claims.sub, this.http);
    if (typeof access === 'string') throw new AccessRefused(NO_ACCESS, access);
    return { ...user, access };
  }

  /** A refusal fails the request with its status and code; anything else is an error. */
  private refuse(error: unknown, token?: string): void {
    if (error instanceof UserTokenRefused || error instanceof AccessRefused)
      return this.fail({ message: error.message, code: error.code }, error.status);
    this.error(scrubError(error as Error, [token]));
  }

  /**
   * Calls verify as WhopStrategy calls its own: `done` last, a returned promise settling the
   * request too, the first of the two deciding; a throw while Passport handles the outcome is
   * an error (a 500), not a hang.
   */
  private handOff(req: Request, user: WhopAppUser, token: string): void {
    let decided = false;
    const done: VerifyCallback = (err, appUser, info) => {
      if (decided) return;
      decided = true;
      try {
        if (err) return this.error(scrubError(err, [token]));
        if (!appUser) return this.fail(info as never);
        this.success(appUser, info);
      } catch (error) {
        this.error(scrubError(error as Error, [token]));
      }
    };
    try {
      const verify = this.verify as (this: unknown, ...args: unknown[]) => unknown;
      const result = this.passReqToCallback
        ? verify.call(this, req, user, done)
        : verify.call(this, user, done);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function')
        settle(result as PromiseLike<unknown>, done);
    } catch (error) {
      if (decided) return;
      decided = true;
      this.error(scrubError(error as Error, [token]));
    }
  }
}

import type { Request } from 'express';
import type { WhopProfile } from '../whop/profile.js';
import { scrubError } from '../whop/scrub.js';
import { tokensOf } from '../whop/exchange.js';
import type { WhopTokenParams } from '../whop/tokens.js';

/** `done` of a callback-style verify function, as in every Passport strategy. */
export type VerifyCallback = (
  err?: Error | null,
  user?: Express.User | false,
  info?: object,
) => void;
/** What an async verify function resolves: the user, `false`/`null` to fail the login, or nothing to leave it to `done`. */
export type VerifyResult = PromiseLike<Express.User | false | null | undefined | void>;

/**
 * The profile form: `(accessToken, refreshToken, profile, done)`, plain or `async`. An `async`
 * function may leave `done` out and resolve the user instead.
 */
export type VerifyFunction = (
  accessToken: string,
  refreshToken: string | undefined,
  profile: WhopProfile,
  done: VerifyCallback,
) => void | VerifyResult;
/** The profile form of an `async` function, which resolves the user instead of calling `done`. */
export type AsyncVerifyFunction = (
  accessToken: string,
  refreshToken: string | undefined,
  profile: WhopProfile,
) => VerifyResult;
/**
 * The params form: exactly five parameters, `done` last, and no promise returned (an `async`
 * function that wants `params` goes through {@link withParams}, so that TypeScript cannot take a
 * four-parameter `async` function for this form: JavaScript gives that one the profile form).
 */
export type VerifyFunctionWithParams = (
  accessToken: string,
  refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile,
  done: VerifyCallback,
) => void | undefined;
/** What {@link withParams} takes: an `async` function that gets `params` and resolves the user. */
export type AsyncVerifyFunctionWithParams = (
  accessToken: string,
  refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile,
) => VerifyResult;
/** The profile form with `passReqToCallback: true`: `(req, accessToken, refreshToken, profile, done)`. */
export type VerifyFunctionWithRequest = (
  req: Request,
  accessToken: string,
  refreshToken: string | undefined,
  profile: WhopProfile,
  done: VerifyCallback,
) => void | VerifyResult;
/** The profile form of an `async` function with `passReqToCallback: true`. */
export type AsyncVerifyFunctionWithRequest = (
  req: Request,
  accessToken: string,
  refreshToken: string | undefined,
  profile: WhopProfile,
) => VerifyResult;
/** The params form with `passReqToCallback: true`: exactly six parameters, `done` last. */
export type VerifyFunctionWithRequestAndParams = (
  req: Request,
  accessToken: string,
  refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile,
  done: VerifyCallback,
) => void | undefined;
/** What {@link withRequestAndParams} takes. */
export type AsyncVerifyFunctionWithRequestAndParams = (
  req: Request,
  accessToken: string,
  refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile,
) => VerifyResult;

/** @internal Any of the verify forms above. */
export type AnyVerify = (...args: never[]) => unknown;

/** A rejection's reason as the error `done` gets: an `Error` as it is. */
function toError(reason: unknown): Error {
  return reason instanceof Error
    ? reason
    : new Error(`The verify function rejected with ${String(reason)}`, { cause: reason });
}

/** @internal Ends the login as a resolved value says: `undefined` leaves it to `done`. */
export function settle(result: PromiseLike<unknown>, done: VerifyCallback): void {
  result.then(
    // Out of the promise job, so a throw further down Passport is not an unhandled rejection.
    (user) => {
      if (user !== undefined) process.nextTick(done, null, user);
    },
    (reason: unknown) => process.nextTick(done, toError(reason)),
  );
}

/**
 * Calls the app's verify function as passport-oauth2 calls it: with the strategy as `this`,
 * `params` only for exactly five parameters (six with `req`), `done` always last. Whatever set
 * the function's `length` (a compiler, a host's wrapper such as NestJS's), it counts as is.
 * A returned promise settles the login too, never changing the arguments: see {@link settle}.
 *
 * @internal
 */
export function callVerify(
  self: object,
  verify: AnyVerify,
  passReq: unknown,
  req: Request,
  accessToken: string,
  refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile | undefined,
  done: VerifyCallback,
): void {
  const fn = verify as (this: object, ...args: unknown[]) => unknown;
  const result = passReq
    ? fn.length === 6
      ? fn.call(self, req, accessToken, refreshToken, params, profile, done)
      : fn.call(self, req, accessToken, refreshToken, profile, done)
    : fn.length === 5
      ? fn.call(self, accessToken, refreshToken, params, profile, done)
      : fn.call(self, accessToken, refreshToken, profile, done);
  if (
    typeof result === 'object' &&
    result !== null &&
    typeof (result as PromiseLike<unknown>).then === 'function'
  ) {
    settle(result as PromiseLike<unknown>, done);
  }
}

/** @internal A login's tokens and profile, for the verify function. */
export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  readonly tokenParams: WhopTokenParams;
  readonly profile: WhopProfile | undefined;
}

/** How Passport lets a strategy end the request (its `_verify` is read as passport-oauth2 keeps it). */
interface Verifying {
  error(err: unknown): void;
  fail(challenge?: unknown, status?: number): void;
  success(user: Express.User, info?: object): void;
}

/**
 * Hands the tokens and profile to the app's verify function and ends the login as it says, as
 * passport-oauth2's `verified` does (the app state added to `info` as it adds it). The first of
 * `done` and a returned promise decides; anything after it is ignored. verify's error (given to
 * `done`, rejected or thrown) is scrubbed of `secrets` (the login's code, state, client secret
 * and PKCE verifier) and of its tokens.
 *
 * @internal
 */
export function verified(
  strategy: Verifying,
  req: Request,
  tokens: Tokens,
  appState: unknown,
  secrets: readonly unknown[] = [],
): void {
  let decided = false;
  const scrubbed = (error: unknown) =>
    scrubError(error, [...secrets, ...tokensOf(tokenParams), accessToken, refreshToken]);
  const done: VerifyCallback = (err, user, info) => {
    if (decided) return;
    decided = true;
    if (err) return strategy.error(scrubbed(err));
    if (!user) return strategy.fail(info as never);
    strategy.success(user, withState(info, appState) as never);
  };
  const self = strategy as unknown as { _verify: AnyVerify; _passReqToCallback: unknown };
  const { accessToken, refreshToken, tokenParams, profile } = tokens;
  try {
    callVerify(
      strategy,
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
    strategy.error(scrubbed(error));
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

/** Ends a login with what an `async` function resolved, for the wrappers below. */
function finish(result: VerifyResult, done: VerifyCallback): void {
  Promise.resolve(result).then(
    (user) => process.nextTick(done, null, user ?? false),
    (reason: unknown) => process.nextTick(done, toError(reason)),
  );
}

/**
 * An `async` verify function that gets the token response `params`, made into passport-oauth2's
 * five-parameter form `(accessToken, refreshToken, params, profile, done)`: the same arguments
 * under `WhopStrategy`, passport-oauth2's `OAuth2Strategy`, and any host that wraps verify.
 * It resolves the user, or `false`/`null` (or nothing) to fail the login; a rejection is an error.
 *
 * @example
 * ```ts
 * new WhopStrategy(options, withParams(async (accessToken, refreshToken, params, profile) =>
 *   users.upsert({ whopId: profile.id, expiresAt: params.expires_at })));
 * ```
 */
export function withParams(verify: AsyncVerifyFunctionWithParams): VerifyFunctionWithParams {
  if (typeof verify !== 'function') throw new TypeError('withParams requires a verify function');
  return function (this: unknown, accessToken, refreshToken, params, profile, done) {
    finish(verify.call(this, accessToken, refreshToken, params, profile), done);
  };
}

/** {@link withParams} with `passReqToCallback: true`: the six-parameter form, `req` first. */
export function withRequestAndParams(
  verify: AsyncVerifyFunctionWithRequestAndParams,
): VerifyFunctionWithRequestAndParams {
  if (typeof verify !== 'function')
    throw new TypeError('withRequestAndParams requires a verify function');
  return function (this: unknown, req, accessToken, refreshToken, params, profile, done) {
    finish(verify.call(this, req, accessToken, refreshToken, params, profile), done);
  };
}

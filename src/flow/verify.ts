import type { Request } from 'express';
import type { WhopProfile } from '../whop/profile.js';
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
 * Which verify form a {@link VerifyFunction} is: what it gets beside the tokens and the profile.
 * The form follows from `passReqToCallback` and the number of parameters, as in passport-oauth2.
 */
export interface VerifyForm {
  /** With `passReqToCallback: true`: the request comes first. */
  readonly request?: boolean;
  /** Whop's token response `params` before the profile (exactly five parameters, six with `req`). */
  readonly params?: boolean;
  /** An `async` function without `done`, as {@link withParams} takes it. */
  readonly async?: boolean;
}

/** What a verify function of the form `F` gets before `done` (see {@link VerifyFunction}). */
export type VerifyArguments<F extends VerifyForm = object> = [
  ...(F['request'] extends true ? [req: Request] : []),
  accessToken: string,
  refreshToken: string | undefined,
  ...(F['params'] extends true ? [params: WhopTokenParams] : []),
  profile: WhopProfile,
];

/**
 * A verify function, in the form `F` (see {@link VerifyForm}):
 *
 * - `VerifyFunction` (the profile form): `(accessToken, refreshToken, profile, done)`, plain or
 *   `async`; an `async` one may leave `done` out and resolve the user instead.
 * - `VerifyFunction<{ params: true }>`: `(accessToken, refreshToken, params, profile, done)`,
 *   exactly five parameters and no promise returned (an `async` function that wants `params`
 *   goes through {@link withParams}, so that TypeScript cannot take a four-parameter `async`
 *   function for this form: JavaScript gives that one the profile form).
 * - `VerifyFunction<{ request: true }>` and `VerifyFunction<{ request: true; params: true }>`:
 *   the same with `passReqToCallback: true`, the request first.
 * - `VerifyFunction<{ params: true; async: true }>` (and with `request`): what
 *   {@link withParams} ({@link withRequestAndParams}) takes, resolving the user.
 */
export type VerifyFunction<F extends VerifyForm = object> = F['async'] extends true
  ? (...args: VerifyArguments<F>) => VerifyResult
  : (
      ...args: [...VerifyArguments<F>, done: VerifyCallback]
    ) => F['params'] extends true ? void | undefined : void | VerifyResult;

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

/** What the verify function decided: what it passed to `done` (or what its promise settled). */
export interface Decision {
  readonly err?: Error | null;
  readonly user?: Express.User | false;
  readonly info?: unknown;
}

/**
 * Calls the app's verify function (`strategy._verify`, with the strategy as `this`) as
 * passport-oauth2 calls it, and resolves what it decided. Only the first of `done` and a
 * returned promise counts: a second `done`, a later settlement, or a throw after `done` is
 * ignored; a throw before it is the login's error.
 *
 * @internal
 */
export function runVerify(
  strategy: { readonly _verify: AnyVerify; readonly _passReqToCallback: unknown },
  req: Request,
  tokens: Tokens,
): Promise<Decision> {
  const { accessToken, refreshToken, tokenParams, profile } = tokens;
  return new Promise<Decision>((resolve) => {
    const done: VerifyCallback = (err, user, info) => resolve({ err, user, info });
    try {
      callVerify(
        strategy,
        strategy._verify,
        strategy._passReqToCallback,
        req,
        accessToken,
        refreshToken,
        tokenParams,
        profile,
        done,
      );
    } catch (error) {
      resolve({ err: error as Error });
    }
  });
}

/**
 * @internal passport-oauth2's `info = info || {}; if (state) info.state = state;`, in sloppy mode as it
 * runs there: a string or frozen `info` is passed on unchanged rather than throwing.
 */
export function withState(info: unknown, appState: unknown): unknown {
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
export function withParams(
  verify: VerifyFunction<{ params: true; async: true }>,
): VerifyFunction<{ params: true }> {
  if (typeof verify !== 'function') throw new TypeError('withParams requires a verify function');
  return function (this: unknown, accessToken, refreshToken, params, profile, done) {
    finish(verify.call(this, accessToken, refreshToken, params, profile), done);
  };
}

/** {@link withParams} with `passReqToCallback: true`: the six-parameter form, `req` first. */
export function withRequestAndParams(
  verify: VerifyFunction<{ request: true; params: true; async: true }>,
): VerifyFunction<{ request: true; params: true }> {
  if (typeof verify !== 'function')
    throw new TypeError('withRequestAndParams requires a verify function');
  return function (this: unknown, req, accessToken, refreshToken, params, profile, done) {
    finish(verify.call(this, req, accessToken, refreshToken, params, profile), done);
  };
}

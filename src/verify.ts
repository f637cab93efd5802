import type { Request } from 'express';
import type { WhopProfile } from './profile.js';
import type { WhopTokenParams } from './tokens.js';

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

/** @internal Any of the verify forms above. */
export type AnyVerify = (...args: never[]) => unknown;

/** @internal What the strategy calls once it has the tokens and the profile. */
export type LoginVerify = (
  req: Request,
  accessToken: string,
  refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile | undefined,
  done: VerifyCallback,
) => void;

/**
 * One function the strategy calls with everything, which calls the user's verify in its own
 * form: passport-oauth2's arity rule for callback functions (five parameters, or six with `req`,
 * take `params`), and for `async` functions the same count without `done`. A returned promise
 * settles the login: a user logs in, `false`/`null` fails, a rejection is an error.
 *
 * @internal
 */
export function adaptVerify(verify: AnyVerify, passReq: boolean): LoginVerify {
  const isAsync =
    (verify as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'AsyncFunction';
  const declared = verify.length - (passReq ? 1 : 0) + (isAsync ? 1 : 0);
  const wantsParams = declared >= 5;
  return (req, accessToken, refreshToken, params, profile, done) => {
    let settled = false;
    const once: VerifyCallback = (err, user, info) => {
      if (settled) return;
      settled = true;
      done(err, user, info);
    };
    const fn = verify as (...a: unknown[]) => unknown;
    let result: unknown;
    if (passReq) {
      result = wantsParams
        ? fn(req, accessToken, refreshToken, params, profile, once)
        : fn(req, accessToken, refreshToken, profile, once);
    } else {
      result = wantsParams
        ? fn(accessToken, refreshToken, params, profile, once)
        : fn(accessToken, refreshToken, profile, once);
    }
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
}

import type { Request } from 'express';
import { STATE_STORE_FAILED } from '../whop/error-codes.js';
import { internalError } from '../whop/errors.js';
import { printable } from '../whop/text.js';

/** What a state store's `store` calls back with: an error, or the handle sent to Whop as `state`. */
export type StoreCallback = (err: Error | null, handle?: string) => void;
/**
 * What a state store's `verify` calls back with: an error; `ok` (`false` fails the login, a string
 * is the PKCE verifier); and the app state the redirect stored.
 */
export type VerifyStateCallback = (
  err: Error | null,
  ok?: boolean | string,
  state?: unknown,
) => void;

/**
 * A state store, in any of the forms passport-oauth2 calls (it picks by the number of
 * parameters). The five-parameter `store` with the three- or four-parameter `verify` is the one
 * that can keep PKCE verifiers and app state (see docs/options.md).
 */
export interface StateStore {
  /** At the redirect: keep what the login needs back, and call back with the handle sent as `state`. */
  store(
    req: Request,
    ...args:
      | [callback: StoreCallback]
      | [meta: StateMetadata, callback: StoreCallback]
      | [state: unknown, meta: StateMetadata, callback: StoreCallback]
      | [verifier: string | undefined, state: unknown, meta: StateMetadata, callback: StoreCallback]
  ): void;
  /** At the callback: check the `state` Whop returned, and call back with what `store` kept. */
  verify(
    req: Request,
    providedState: string | undefined,
    ...args: [callback: VerifyStateCallback] | [meta: StateMetadata, callback: VerifyStateCallback]
  ): void;
}

/** What passport-oauth2 tells a state store about the request. */
export interface StateMetadata {
  /** The strategy's authorize URL. */
  readonly authorizationURL: string;
  /** The strategy's token URL. */
  readonly tokenURL: string;
  /** The strategy's client ID. */
  readonly clientID: string;
  /** This login's callback URL, when one is set. */
  readonly callbackURL?: string;
}

/**
 * Call `store.store` in the form it takes (passport-oauth2 picks by the number of parameters):
 * with five, the PKCE verifier and the state; with four, the state; with three, only the meta.
 */
export function storeState(
  store: StateStore,
  req: Request,
  verifier: string | undefined,
  state: unknown,
  meta: StateMetadata,
  callback: StoreCallback,
): void {
  if (verifier !== undefined && store.store.length !== 5) {
    return callback(
      new TypeError(
        'WhopStrategy: PKCE needs a store whose store() takes (req, verifier, state, meta, callback)',
      ),
    );
  }
  switch (store.store.length) {
    case 5:
      return store.store(req, verifier, state, meta, callback);
    case 4:
      return store.store(req, state, meta, callback);
    case 3:
      return store.store(req, meta, callback);
    default:
      return store.store(req, callback);
  }
}

/** What passport-oauth2's session stores say when the session holds no login for the strategy. */
const NO_LOGIN_IN_SESSION = 'Unable to verify authorization request state.';
/**
 * The same, with its usual causes: the first thing people meet while setting an app up (the page
 * on 127.0.0.1, the callback URL on localhost), and after a restart with a new session secret.
 */
export const NO_LOGIN_IN_SESSION_EXPLAINED =
  'Unable to verify authorization request state: this browser has no login in progress in its ' +
  "session. Usually the login started on another host than the callback URL's (127.0.0.1 and " +
  "localhost keep separate cookies: open the app at the callback URL's host), the session " +
  'secret changed (a restart with a new one), or this login already ended (a reload of the ' +
  'callback, a double click). Start the login again';

/** Call `store.verify` in the form it takes: with four parameters, the meta too. */
export function verifyState(
  store: StateStore,
  req: Request,
  providedState: string | undefined,
  meta: StateMetadata,
  callback: VerifyStateCallback,
): void {
  const explained: VerifyStateCallback = (err, ok, info) =>
    callback(err, ok, !err && !ok && saysNoLogin(info) ? explain(info) : info);
  if (store.verify.length === 4) store.verify(req, providedState, meta, explained);
  else store.verify(req, providedState, explained);
}

function saysNoLogin(info: unknown): info is { message: string } {
  return (
    typeof info === 'object' &&
    info !== null &&
    (info as { message?: unknown }).message === NO_LOGIN_IN_SESSION
  );
}

function explain(info: { message: string }): { message: string } {
  return { ...info, message: NO_LOGIN_IN_SESSION_EXPLAINED };
}

/** @internal A state store's own error, as the `state` step's `InternalOAuthError` with it as the cause. */
export function storeFailed(err: unknown): Error {
  // The strategy's own TypeErrors (a store that cannot keep PKCE verifiers) say what to fix.
  if (err instanceof TypeError) return err;
  const said = err instanceof Error ? `: ${printable(err.message)}` : '';
  return internalError(STATE_STORE_FAILED, 'state', `the state store failed${said}`, {
    cause: err,
  });
}

/** @internal Whether the `store` option is a store of the app's, as passport-oauth2 tells: an object. */
export function isStore(store: unknown): boolean {
  return typeof store === 'object' && store !== null;
}

import type { Request } from 'express';

export type StoreCallback = (err: Error | null, handle?: string) => void;
export type VerifyStateCallback = (
  err: Error | null,
  ok?: boolean | string,
  state?: unknown,
) => void;

/**
 * A state store, in any of the forms passport-oauth2 calls (it picks by the number of
 * parameters). The five-parameter `store` with the three- or four-parameter `verify` is the one
 * that can carry PKCE verifiers and app state, and so the requested company (see the README).
 */
export interface StateStore {
  store(
    req: Request,
    ...args:
      | [callback: StoreCallback]
      | [meta: StateMetadata, callback: StoreCallback]
      | [state: unknown, meta: StateMetadata, callback: StoreCallback]
      | [verifier: string | undefined, state: unknown, meta: StateMetadata, callback: StoreCallback]
  ): void;
  verify(
    req: Request,
    providedState: string | undefined,
    ...args: [callback: VerifyStateCallback] | [meta: StateMetadata, callback: VerifyStateCallback]
  ): void;
}

/** What passport-oauth2 tells a state store about the request. */
export interface StateMetadata {
  readonly authorizationURL: string;
  readonly tokenURL: string;
  readonly clientID: string;
  readonly callbackURL?: string;
}

/** What the strategy records with the state at the redirect, and gets back on the callback. */
export interface RequestExtras {
  /** The company the redirect asked for. */
  readonly company: string | undefined;
  /** The OpenID `nonce` sent to Whop (OAuth 2.1 only), to be found in the ID token. */
  readonly nonce?: string;
}

/**
 * What a login carries through the state store beside the app's own state: the strategy passes
 * it to passport-oauth2 as the `state` option, which hands it to the store at the redirect, and
 * the store gives it back on the callback. JSON, for session and cookie stores.
 */
export interface Carried {
  readonly whop: 1;
  readonly company: string | null;
  readonly nonce?: string;
  readonly state?: unknown;
}

export function carry(extras: RequestExtras, appState: unknown): Carried {
  return {
    whop: 1,
    company: extras.company ?? null,
    ...(extras.nonce !== undefined && { nonce: extras.nonce }),
    ...(appState !== undefined && { state: appState }),
  };
}

export function isCarried(value: unknown): value is Carried {
  return typeof value === 'object' && value !== null && (value as Carried).whop === 1;
}

/**
 * Whether a store gives back the state it was given (passport-oauth2 passes it to a `store` of
 * four or five parameters); with any other, what the login asked for cannot be carried.
 */
export function carriesState(store: StateStore): boolean {
  return store.store.length >= 4;
}

/** What the strategy does once the store has accepted the state. */
export interface CallbackChecks {
  /**
   * The checks after the state: `stored` is what the redirect recorded, or `unknown` when the
   * store cannot carry it (state off, or a store without app state).
   */
  afterState(req: Request, stored: RequestExtras | 'unknown'): Promise<string | undefined>;
  /** The error for a request with no session, when the store needs one. */
  noSession(req: Request): Error | undefined;
}

/**
 * Wraps the state store so that the callback checks run in Whop's order: the state (the wrapped
 * store), then the company and the single-use claim (`afterState`), before passport-oauth2
 * exchanges the code. With PKCE, the wrapped store's `verify` answers the code verifier as `ok`,
 * which passes through to the exchange.
 */
export class GuardedStateStore {
  constructor(
    private readonly inner: StateStore,
    private readonly checks: CallbackChecks,
  ) {}

  /** Five parameters, so passport-oauth2 passes the PKCE verifier and the app state. */
  store(
    req: Request,
    verifier: string | undefined,
    state: unknown,
    meta: StateMetadata,
    callback: StoreCallback,
  ): void {
    const noSession = this.checks.noSession(req);
    if (noSession) return callback(noSession);
    const inner = this.inner;
    if (verifier !== undefined && inner.store.length !== 5) {
      return callback(
        new TypeError(
          'WhopStrategy: PKCE needs a store whose store() takes (req, verifier, state, meta, callback)',
        ),
      );
    }
    // `state` is what the strategy gave passport-oauth2 as its `state` option: a Carried object
    // when the login asked for a company or sent a nonce, else the app's own state.
    switch (inner.store.length) {
      case 5:
        return inner.store(req, verifier, state, meta, callback);
      case 4:
        return inner.store(req, state, meta, callback);
      case 3:
        return inner.store(req, meta, callback);
      default:
        return inner.store(req, callback);
    }
  }

  verify(
    req: Request,
    providedState: string | undefined,
    meta: StateMetadata,
    callback: VerifyStateCallback,
  ): void {
    const noSession = this.checks.noSession(req);
    if (noSession) return callback(noSession);
    const verified: VerifyStateCallback = (err, ok, stored) => {
      if (err) return callback(err);
      if (!ok) return callback(null, false, stored);
      // The strategy carries only what a login asked for: a store that gives state back but
      // returned no Carried object was given none, so the login asked for no company.
      const extras: RequestExtras | 'unknown' = isCarried(stored)
        ? { company: stored.company ?? undefined, nonce: stored.nonce }
        : carriesState(this.inner)
          ? { company: undefined }
          : 'unknown';
      const appState = isCarried(stored) ? stored.state : stored;
      this.checks.afterState(req, extras).then(
        (failure) =>
          process.nextTick(() =>
            failure ? callback(null, false, { message: failure }) : callback(null, ok, appState),
          ),
        (error: Error) => process.nextTick(() => callback(error)),
      );
    };
    if (this.inner.verify.length === 4) this.inner.verify(req, providedState, meta, verified);
    else this.inner.verify(req, providedState, verified);
  }
}

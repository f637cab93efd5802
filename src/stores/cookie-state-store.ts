import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeader } from 'node:http';
import { MemoryCodeStore, type CodeStore } from './codes.js';
import { CookieSealer, type Payload } from './cookie-seal.js';
import type { StateMetadata, StoreCallback, VerifyStateCallback } from '../flow/state.js';

/** What `new CookieStateStore(options)` takes. */
export interface CookieStateStoreOptions {
  /**
   * What the cookie's AES-256-GCM key is derived from: a random string of 32 characters or more.
   * For rotation, a list of them: the first seals new cookies, every one opens them.
   */
  readonly secret: string | readonly string[];
  /**
   * The cookie's name. Default: `__Host-passport-whop.state` on https requests (a sibling
   * subdomain cannot set a `__Host-` cookie), `passport-whop.state` on http (on localhost, where
   * browsers refuse `__Host-` without https).
   */
  readonly cookieName?: string;
  /** How long a login may take from the redirect to the callback, in milliseconds (default 10 minutes). */
  readonly maxAge?: number;
  /**
   * Where the handles of used cookies are recorded, so that each cookie works once (default: a
   * `MemoryCodeStore` of this process; with several processes, a `RedisCodeStore`).
   */
  readonly usedStore?: CodeStore;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  readonly now?: () => number;
}

/** The response this store sets its cookie on: Express's, or Node's `ServerResponse`. */
export interface CookieResponse {
  /** When true, the cookie can no longer be set: the store reports an error instead. */
  readonly headersSent?: boolean;
  /** Reads the `Set-Cookie` header set so far, to add the store's cookie beside it. */
  getHeader(name: string): number | string | string[] | undefined;
  /** Sets `Set-Cookie`. */
  setHeader(name: string, value: OutgoingHttpHeader): unknown;
}

/** The request this store reads: Express's (`req.res` is set by Express), or one shaped like it. */
export interface CookieRequest {
  /** Where the store reads its cookie (`cookie`). */
  readonly headers: IncomingHttpHeaders;
  /** Express's `req.secure`: the cookie gets `Secure` when true. */
  readonly secure?: boolean;
  /** Express's `req.protocol`: the cookie gets `Secure` when `https`. */
  readonly protocol?: string;
  /** The response to set the cookie on (Express sets `req.res`). */
  readonly res?: CookieResponse;
}

const DEFAULT_COOKIE_NAME = 'passport-whop.state';
const DEFAULT_SECURE_COOKIE_NAME = `__Host-${DEFAULT_COOKIE_NAME}`;
const DEFAULT_MAX_AGE_MS = 10 * 60 * 1000;
const MIN_SECRET_LENGTH = 32;
const SECRET_RULE = `a string of at least ${MIN_SECRET_LENGTH} characters, or a non-empty array of them (the first seals, all open)`;
// RFC 6265 section 4.1.1: a cookie name is an RFC 7230 token.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Browsers drop a cookie over 4096 bytes without a word; refuse to send one.
const MAX_COOKIE_BYTES = 4096;
const NO_RESPONSE =
  'CookieStateStore needs the response as req.res to set its cookie (Express sets it)';

/** Whether the request came over https (Express's `req.secure`, or its `protocol`). */
function isHttps(req: CookieRequest): boolean {
  return req.secure === true || req.protocol === 'https';
}

/**
 * A state store for apps without sessions: the state, the PKCE verifier and a random handle
 * travel in an encrypted and authenticated (AES-256-GCM), httpOnly, SameSite=Lax cookie, Secure
 * and named `__Host-passport-whop.state` on https. The handle is sent to Whop as `state`. On the
 * callback the cookie is cleared and checked: authenticity, age, handle against the returned
 * `state`, and that it was not used before (`usedStore`).
 *
 * @example
 * ```ts
 * passport.use(new WhopStrategy(
 *   { ...options, store: new CookieStateStore({ secret: process.env.STATE_COOKIE_SECRET! }) },
 *   verify,
 * ));
 * app.get('/auth/whop', passport.authenticate('whop', { session: false }));
 * ```
 */
export class CookieStateStore {
  /** The cookie's name on http requests (the `cookieName` option, else `passport-whop.state`). */
  readonly cookieName: string;
  /** The cookie's name on https requests (the `cookieName` option, else `__Host-passport-whop.state`). */
  readonly secureCookieName: string;
  /** Milliseconds from the redirect to the callback (the `maxAge` option). */
  readonly maxAge: number;
  private readonly sealer: CookieSealer;
  private readonly usedStore: CodeStore;
  private readonly now: () => number;

  /** @throws TypeError naming the option when an option is missing or malformed. */
  constructor(options: CookieStateStoreOptions) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('CookieStateStore requires an options object with a secret');
    const {
      secret,
      cookieName,
      maxAge = DEFAULT_MAX_AGE_MS,
      usedStore = new MemoryCodeStore(),
      now = Date.now,
    } = options;
    const secrets: unknown[] = Array.isArray(secret) ? secret : [secret];
    if (
      secrets.length === 0 ||
      !secrets.every((one) => typeof one === 'string' && one.length >= MIN_SECRET_LENGTH)
    )
      throw new TypeError(`CookieStateStore requires the secret option to be ${SECRET_RULE}`);
    if (
      cookieName !== undefined &&
      (typeof cookieName !== 'string' || !COOKIE_NAME.test(cookieName))
    )
      throw new TypeError('CookieStateStore requires the cookieName option to be a cookie name');
    if (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge < 1000)
      throw new TypeError(
        'CookieStateStore requires the maxAge option to be a number of milliseconds, at least 1000',
      );
    if (typeof (usedStore as Partial<CodeStore> | null)?.claim !== 'function')
      throw new TypeError(
        'CookieStateStore requires the usedStore option to be an object with a claim(code, ttlMs) method',
      );
    if (typeof now !== 'function')
      throw new TypeError('CookieStateStore requires the now option to be a function');
    this.sealer = new CookieSealer(secrets as string[]);
    this.cookieName = cookieName ?? DEFAULT_COOKIE_NAME;
    this.secureCookieName = cookieName ?? DEFAULT_SECURE_COOKIE_NAME;
    this.maxAge = maxAge;
    this.usedStore = usedStore;
    this.now = now;
  }

  /** Five parameters, so the strategy passes the PKCE verifier and the state. */
  store(
    req: CookieRequest,
    verifier: string | undefined,
    state: unknown,
    _meta: StateMetadata,
    callback: StoreCallback,
  ): void {
    const res = req.res;
    if (!res) return callback(new Error(NO_RESPONSE));
    const handle = randomBytes(24).toString('base64url');
    const payload: Payload = {
      h: handle,
      ...(verifier !== undefined && { v: verifier }),
      ...(state !== undefined && { s: state }),
      e: this.now() + this.maxAge,
    };
    const name = this.nameFor(req);
    const cookie = this.cookie(req, this.sealer.seal(name, payload), Math.ceil(this.maxAge / 1000));
    if (Buffer.byteLength(cookie) > MAX_COOKIE_BYTES) {
      return callback(
        new Error(
          `CookieStateStore: the state does not fit in a cookie (${Buffer.byteLength(cookie)} bytes, browsers keep at most ${MAX_COOKIE_BYTES}): pass a smaller state`,
        ),
      );
    }
    appendSetCookie(res, cookie);
    callback(null, handle);
  }

  /**
   * passport-oauth2's state check, at the callback: clears the cookie, then checks its authenticity,
   * age, handle (against `providedState`) and single use; a failed check is `callback(null, false, { message })`.
   */
  verify(
    req: CookieRequest,
    providedState: string | undefined,
    callback: VerifyStateCallback,
  ): void {
    if (!req.res) return callback(new Error(NO_RESPONSE));
    // Single use: whatever the outcome, the browser drops the cookie.
    if (!req.res.headersSent) appendSetCookie(req.res, this.cookie(req, '', 0));
    this.check(req, providedState).then(
      (result) =>
        process.nextTick(() =>
          'failure' in result
            ? callback(null, false, { message: result.failure })
            : callback(null, result.payload.v ?? true, result.payload.s),
        ),
      (error: Error) => process.nextTick(() => callback(error)),
    );
  }

  private async check(
    req: CookieRequest,
    providedState: string | undefined,
  ): Promise<{ payload: Payload } | { failure: string }> {
    const name = this.nameFor(req);
    const values = readCookies(req.headers.cookie, name);
    if (values.length === 0) {
      return {
        failure:
          'The login state cookie is missing: start the login again (cookies must be enabled, and the callback must reach the same site)',
      };
    }
    // Another cookie of the same name (set by a sibling subdomain) must not hide ours.
    const payload = values
      .map((value) => this.sealer.open(name, value))
      .find((opened) => opened !== undefined);
    if (!payload)
      return { failure: 'The login state cookie was tampered with: start the login again' };
    const remaining = payload.e - this.now();
    if (remaining <= 0) return { failure: 'The login took too long: start the login again' };
    if (!sameString(payload.h, providedState))
      return {
        failure: 'The state Whop returned does not match this login: start the login again',
      };
    if (!(await this.usedStore.claim(payload.h, remaining)))
      return { failure: 'This login state cookie was already used: start the login again' };
    return { payload };
  }

  /** The name of the cookie for this request: `__Host-` on https, unless one was given. */
  private nameFor(req: CookieRequest): string {
    return isHttps(req) ? this.secureCookieName : this.cookieName;
  }

  /** The `Set-Cookie` line: Path=/ and no Domain, as `__Host-` requires. */
  private cookie(req: CookieRequest, value: string, maxAgeSeconds: number): string {
    const attributes = [`${this.nameFor(req)}=${value}`, 'Path=/', `Max-Age=${maxAgeSeconds}`];
    if (maxAgeSeconds === 0) attributes.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    attributes.push('HttpOnly', 'SameSite=Lax');
    if (isHttps(req)) attributes.push('Secure');
    return attributes.join('; ');
  }
}

/** Adds a `Set-Cookie` line, keeping those already set. */
function appendSetCookie(res: CookieResponse, cookie: string): void {
  const previous = res.getHeader('Set-Cookie');
  const lines =
    previous === undefined ? [] : Array.isArray(previous) ? previous : [String(previous)];
  res.setHeader('Set-Cookie', [...lines, cookie]);
}

/** Every value of the cookie `name` in a `Cookie` header, in order. */
function readCookies(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const index = pair.indexOf('=');
    if (index < 0 || pair.slice(0, index).trim() !== name) continue;
    let value = pair.slice(index + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}

/** Compares in constant time for strings of one length (the handle's length is no secret). */
function sameString(expected: string, actual: string | undefined): boolean {
  if (typeof actual !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}

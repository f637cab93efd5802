import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeader } from 'node:http';
import { MemoryCodeStore, type CodeStore } from './codes.js';
import type { StateMetadata, StoreCallback, VerifyStateCallback } from '../flow/state.js';

/** What `new CookieStateStore(options)` takes. */
export interface CookieStateStoreOptions {
  /** The key of the cookie's HMAC-SHA256 signature: a random string of 32 characters or more. */
  readonly secret: string;
  /** The cookie's name (default `passport-whop.state`). */
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

/** What the cookie carries, signed. */
interface Payload {
  /** The handle sent to Whop as `state`. */
  readonly h: string;
  /** The PKCE code verifier. */
  readonly v?: string;
  /** The state the strategy stores with the handle. */
  readonly s?: unknown;
  /** When the login expires, in milliseconds since the epoch. */
  readonly e: number;
}

const DEFAULT_COOKIE_NAME = 'passport-whop.state';
const DEFAULT_MAX_AGE_MS = 10 * 60 * 1000;
const MIN_SECRET_LENGTH = 32;
// RFC 6265 section 4.1.1: a cookie name is an RFC 7230 token.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Browsers drop a cookie over 4096 bytes without a word; refuse to send one.
const MAX_COOKIE_BYTES = 4096;
// Signatures are bound to this use, so a value signed with the same secret elsewhere is no cookie.
const CONTEXT = 'passport-whop cookie state v1\n';
const NO_RESPONSE =
  'CookieStateStore needs the response as req.res to set its cookie (Express sets it)';

/**
 * A state store for apps without sessions: the state, the PKCE verifier and a random handle
 * travel in a signed (HMAC-SHA256), httpOnly, SameSite=Lax cookie, Secure on https. The handle
 * is sent to Whop as `state`. On the callback the cookie is cleared and checked: signature, age,
 * handle against the returned `state`, and that it was not used before (`usedStore`).
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
  /** The cookie's name (the `cookieName` option). */
  readonly cookieName: string;
  /** Milliseconds from the redirect to the callback (the `maxAge` option). */
  readonly maxAge: number;
  private readonly secret: string;
  private readonly usedStore: CodeStore;
  private readonly now: () => number;

  /** @throws TypeError naming the option when an option is missing or malformed. */
  constructor(options: CookieStateStoreOptions) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('CookieStateStore requires an options object with a secret');
    const {
      secret,
      cookieName = DEFAULT_COOKIE_NAME,
      maxAge = DEFAULT_MAX_AGE_MS,
      usedStore = new MemoryCodeStore(),
      now = Date.now,
    } = options;
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH)
      throw new TypeError(
        `CookieStateStore requires the secret option to be a string of at least ${MIN_SECRET_LENGTH} characters`,
      );
    if (typeof cookieName !== 'string' || !COOKIE_NAME.test(cookieName))
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
    this.secret = secret;
    this.cookieName = cookieName;
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
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const value = `${encoded}.${this.sign(encoded).toString('base64url')}`;
    const cookie = this.cookie(req, value, Math.ceil(this.maxAge / 1000));
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
   * passport-oauth2's state check, at the callback: clears the cookie, then checks its signature,
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
    const values = readCookies(req.headers.cookie, this.cookieName);
    if (values.length === 0) {
      return {
        failure:
          'The login state cookie is missing: start the login again (cookies must be enabled, and the callback must reach the same site)',
      };
    }
    // Another cookie of the same name (set by a sibling subdomain) must not hide ours.
    const payload = values.map((value) => this.open(value)).find((opened) => opened !== undefined);
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

  /** The payload of a cookie value signed with this store's secret, else undefined. */
  private open(value: string): Payload | undefined {
    const dot = value.indexOf('.');
    if (dot < 0) return undefined;
    const encoded = value.slice(0, dot);
    const signature = Buffer.from(value.slice(dot + 1), 'base64url');
    const expected = this.sign(encoded);
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected))
      return undefined;
    try {
      const payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Payload;
      if (typeof payload.h !== 'string' || typeof payload.e !== 'number') return undefined;
      if (payload.v !== undefined && typeof payload.v !== 'string') return undefined;
      return payload;
    } catch {
      return undefined;
    }
  }

  private sign(encoded: string): Buffer {
    return createHmac('sha256', this.secret)
      .update(CONTEXT + this.cookieName + '\n' + encoded)
      .digest();
  }

  private cookie(req: CookieRequest, value: string, maxAgeSeconds: number): string {
    const attributes = [`${this.cookieName}=${value}`, 'Path=/', `Max-Age=${maxAgeSeconds}`];
    if (maxAgeSeconds === 0) attributes.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    attributes.push('HttpOnly', 'SameSite=Lax');
    if (req.secure === true || req.protocol === 'https') attributes.push('Secure');
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

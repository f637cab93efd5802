import { Agent } from 'node:http';
import type { Request } from 'express';
import { isHttpURL } from './options.js';
import { API_URLS } from './whop/endpoints.js';
import { USER_TOKEN_ISSUER, USER_TOKEN_JWKS_URL } from './whop/user-token.js';
import type { WhopAccessLevels } from './whop/access.js';
import type { VerifyCallback, VerifyResult } from './flow/verify.js';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_ACCESS_MAX_AGE_MS = 60_000;
const DEFAULT_ACCESS_CACHE_SIZE = 10_000;
/** An app's ID on Whop. */
const APP_ID = /^app_[A-Za-z0-9_]+$/;
/** RFC 9110's token: what a header name may hold. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The user of a request that carries a valid Whop user token. */
export interface WhopAppUser {
  /** The user's Whop ID (`user_...`): the token's `sub`. */
  readonly userId: string;
  /** The app's ID (`app_...`): the token's `aud`. */
  readonly appId: string;
  /** Every claim of the verified token (`iss`, `sub`, `aud`, `exp`, `iat`, ...). */
  readonly claims: Readonly<Record<string, unknown>>;
  /**
   * With `requireAccess`, the user's level for each resource asked about (`admin`, `customer`,
   * `no_access`); the user has access to at least one of them.
   */
  readonly access?: WhopAccessLevels;
}

/** `verify(user, done)`, or an `async` function that resolves the app's user instead. */
export type WhopAppVerifyFunction = (
  user: WhopAppUser,
  done: VerifyCallback,
) => void | VerifyResult;
/** With `passReqToCallback: true`: `verify(req, user, done)`, or `async` without `done`. */
export type WhopAppVerifyFunctionWithRequest = (
  req: Request,
  user: WhopAppUser,
  done: VerifyCallback,
) => void | VerifyResult;

/** The options of {@link WhopAppStrategy}. */
export interface WhopAppStrategyOptionsBase {
  /** The app's ID (`app_...`), from the app's page on Whop's dashboard: the tokens' audience. */
  appId: string;
  /** Where Whop's signing keys are (default `https://api.whop.com/.well-known/jwks.json`). */
  jwksURL?: string;
  /** The tokens' issuer (default `urn:whopcom:exp-proxy`, Whop's proxy). */
  issuer?: string;
  /** The header Whop's proxy puts the token in (default `x-whop-user-token`). */
  headerName?: string;
  /** The cookie read when the header is absent, as Whop's dev proxy sets it (default `whop_user_token`). */
  cookieName?: string;
  /**
   * The app's API key, from Whop's dashboard: access checks (`requireAccess`, `checkAccess`)
   * are asked with it. Required for `requireAccess`.
   */
  apiKey?: string;
  /** Whop's REST API, where access is checked (default `https://api.whop.com/api/v1`). */
  apiURL?: string;
  /** The limit on each request to Whop (the keys, an access check), in milliseconds (default 10000). */
  timeout?: number;
  /** The `https.Agent` every request to Whop goes through (default: Node's global agent). */
  agent?: Agent;
}

/** The options without `passReqToCallback`. */
export interface WhopAppStrategyOptions extends WhopAppStrategyOptionsBase {
  /** Left out or `false`: the verify function does not get the request. */
  passReqToCallback?: false;
}
/** The options with `passReqToCallback: true`. */
export interface WhopAppStrategyOptionsWithRequest extends WhopAppStrategyOptionsBase {
  /** The verify function gets the request as its first argument. */
  passReqToCallback: true;
}

/** What `passport.authenticate('whop-app', options)` takes beyond Passport's own options. */
export interface WhopAppAuthenticateOptions {
  /**
   * Let in only users with access to this resource (`biz_...`, `prod_...` or `exp_...`, usually
   * from the URL: `req.params.experienceId`), or to at least one of these. Needs `apiKey`.
   */
  requireAccess?: string | readonly string[];
  [option: string]: unknown;
}

// So that `passport.authenticate('whop-app', { session: false, requireAccess })` type-checks, as
// `scope` does: Passport hands every option to the strategy.
declare module 'passport' {
  interface AuthenticateOptions {
    /**
     * `whop-app` and `whop`: let in only users with access to this Whop resource (`biz_...`,
     * `prod_...` or `exp_...`), or to at least one of these, for this request.
     */
    requireAccess?: string | readonly string[];
  }
}

/** The options, checked, with the defaults filled in. */
export interface ResolvedAppOptions {
  readonly appId: string;
  readonly jwksURL: string;
  readonly issuer: string;
  readonly headerName: string;
  readonly cookieName: string;
  readonly apiKey: string | undefined;
  readonly apiURL: string;
  readonly timeout: number;
  readonly agent: Agent | undefined;
  readonly passReqToCallback: boolean;
  readonly accessMaxAge: number;
  readonly accessCacheSize: number;
}

function fail(option: string, why: string): never {
  throw new TypeError(`WhopAppStrategy requires the ${option} option to be ${why}`);
}

function url(name: string, value: unknown): string {
  if (!isHttpURL(value)) fail(name, 'an absolute http(s) URL');
  return value;
}

function text(name: string, value: unknown, pattern: RegExp, why: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) fail(name, why);
  return value;
}

/** Check every option, naming the one that is wrong, and fill in the defaults. */
export function resolveAppOptions(options: unknown): ResolvedAppOptions {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('WhopAppStrategy requires an options object');
  const raw = options as Record<string, unknown>;
  if (typeof raw.appId !== 'string' || !APP_ID.test(raw.appId))
    throw new TypeError(
      "WhopAppStrategy requires an appId option: the app's ID on Whop, app_ followed by letters and digits",
    );
  const apiKey = raw.apiKey;
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey.trim() === ''))
    fail('apiKey', "the app's API key from Whop's dashboard, a non-empty string");
  const timeout = raw.timeout ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)
    fail('timeout', 'a positive number of milliseconds');
  if (raw.agent !== undefined && !(raw.agent instanceof Agent))
    fail('agent', 'an http.Agent or https.Agent');
  const issuer = raw.issuer ?? USER_TOKEN_ISSUER;
  if (typeof issuer !== 'string' || issuer === '') fail('issuer', 'a non-empty string');
  const apiURL = url('apiURL', raw.apiURL ?? API_URLS.production);
  if (/[?#]/.test(apiURL)) fail('apiURL', 'a URL without a query or a fragment');
  return {
    appId: raw.appId,
    jwksURL: url('jwksURL', raw.jwksURL ?? USER_TOKEN_JWKS_URL),
    issuer,
    // Node keeps header names in lower case.
    headerName: text(
      'headerName',
      raw.headerName ?? 'x-whop-user-token',
      HEADER_NAME,
      'a header name',
    ).toLowerCase(),
    cookieName: text(
      'cookieName',
      raw.cookieName ?? 'whop_user_token',
      HEADER_NAME,
      'a cookie name',
    ),
    apiKey: apiKey as string | undefined,
    apiURL: apiURL.replace(/\/+$/, ''),
    timeout,
    agent: raw.agent as Agent | undefined,
    passReqToCallback: Boolean(raw.passReqToCallback),
    accessMaxAge: DEFAULT_ACCESS_MAX_AGE_MS,
    accessCacheSize: DEFAULT_ACCESS_CACHE_SIZE,
  };
}

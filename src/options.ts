import type { Agent } from 'node:http';
import type { CodeStore } from './stores/codes.js';
import type { RefreshLock } from './stores/refresh-lock.js';
import type { StateStore } from './flow/state.js';

const COMPANY_ID = /^biz_[A-Za-z0-9]+$/;
/** What Whop checks access to: a company, a product or an experience. */
const RESOURCE_ID = /^(?:biz|prod|exp)_[A-Za-z0-9]+$/;
export const COMPANY_RULE = 'biz_ followed by letters and digits';
export const RESOURCE_RULE = 'biz_, prod_ or exp_ followed by letters and digits';
/**
 * A Whop user ID. Whop's are `user_` and letters and digits; underscores are let in too. What it
 * keeps out goes into the access check's path: `.` and `..` (which a normalising proxy resolves),
 * `/`, `%`, and lone surrogates (which have no UTF-8 form).
 */
const USER_ID = /^user_\w+$/;
export const USER_RULE = 'user_ followed by letters, digits and underscores';
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
export const CALLBACK_RULE = 'an https: URL, an http: URL on localhost, or a path starting with /';

/** Which of Whop's OAuth flows a strategy speaks: `legacy` (the default) or `oauth2.1`. */
export type WhopFlow = 'legacy' | 'oauth2.1';

/** Which Whop a strategy talks to: the real one (the default), or the sandbox (no real money). */
export type WhopEnvironment = 'production' | 'sandbox';

/** The options both flows take. */
export interface WhopCommonOptions {
  /** The app's client ID (`app_...`), from the app's settings on Whop. */
  clientID: string;
  /**
   * Where Whop sends the user back: an `https:` URL, an `http:` URL on localhost, or a path
   * (`/auth/whop/callback`) resolved against the request. Must match one registered on Whop.
   */
  callbackURL: string;
  /** Check a CSRF state on the callback (default `true`; it needs a session or a `store`). */
  state?: boolean;
  /** Where the state is kept between the redirect and the callback (default: the session). */
  store?: StateStore;
  /** Where exchanged codes are remembered (default: a `MemoryCodeStore` for this process). */
  codeStore?: CodeStore;
  /**
   * Coordinates `refreshAccessToken` across processes (a {@link RedisRefreshLock}): one request
   * to Whop per refresh token, whichever processes refresh it at once. Default: none (one
   * request per process).
   */
  refreshLock?: RefreshLock;
  /** Whop's authorize page (default: the flow's, see the README). */
  authorizationURL?: string;
  /** Whop's token endpoint (default: the flow's). */
  tokenURL?: string;
  /** Whop's profile endpoint (default: the flow's: `/api/v5/me` or OpenID userinfo). */
  userProfileURL?: string;
  /** The limit on each request to Whop, in milliseconds (default 10000). */
  timeout?: number;
  /**
   * The `https.Agent` every request to Whop goes through: a proxy agent (`https-proxy-agent`), or
   * an agent with your own pool and TLS settings. Default: Node's global agent (keep-alive).
   */
  agent?: Agent;
  /** Headers added to every request to Whop. */
  customHeaders?: Record<string, string>;
  /**
   * Skip loading the profile, in passport-oauth2's forms: `true`; a function called with no
   * argument that returns whether to skip; or `(accessToken, done)` that calls back with it.
   */
  skipUserProfile?:
    | boolean
    | (() => boolean)
    | ((accessToken: string, done: (err: Error | null, skip: boolean) => void) => void);
  /** What joins an array `scope` (default a space), as passport-oauth2's `scopeSeparator`. */
  scopeSeparator?: string;
  /** Trust `X-Forwarded-*` headers when resolving a relative `callbackURL`. */
  proxy?: boolean;
  /** The session key the state is kept under (default `oauth2:` and the authorize URL's host). */
  sessionKey?: string;
  /**
   * Let in only users with access to this Whop resource (`biz_...`, `prod_...` or `exp_...`), or
   * to at least one of these: checked at login, after the profile and before verify. See
   * docs/access.md.
   */
  requireAccess?: string | readonly string[];
  /** Whop's REST API, where access is checked (default `https://api.whop.com/api/v1`). */
  apiURL?: string;
  /**
   * The app's API key, from Whop's dashboard: when set, access checks (`requireAccess`,
   * `checkAccess`) are asked with it rather than the user's access token, as Whop documents the
   * call, and `checkAccess` needs no access token.
   */
  apiKey?: string;
  /** How long `checkAccess` keeps an answer, in milliseconds (default 60000; `0`: not at all). */
  accessMaxAge?: number;
  /** How many answers `checkAccess` keeps at most, the least recently used dropped (default 10000). */
  accessCacheSize?: number;
}

/** The options of the legacy flow (`https://whop.com/oauth`), the default. */
export interface WhopStrategyOptionsBase extends WhopCommonOptions {
  /** `legacy` (the default). */
  flow?: 'legacy';
  /** The app's client secret (its API key). */
  clientSecret: string;
  /**
   * PKCE, as passport-oauth2's `pkce` option: `true` (S256), `'S256'` or `'plain'`; needs the
   * state, and a custom store whose `store()` takes the verifier (five parameters).
   */
  pkce?: boolean | 'S256' | 'plain';
  /**
   * Whop permission scopes (such as `read_user`, which Whop's own SDK sends) and at most one
   * company (`biz_...`) to log in on behalf of: a space-separated string or an array. Per
   * request, `authenticate('whop', { scope: 'biz_...' })` sets the company.
   */
  scope?: string | readonly string[];
}

/** The options of Whop's OAuth 2.1 / OpenID Connect flow (`https://api.whop.com/oauth/*`). */
export interface WhopOAuth21OptionsBase extends WhopCommonOptions {
  /** Selects Whop's OAuth 2.1 / OpenID Connect flow. */
  flow: 'oauth2.1';
  /**
   * `sandbox`: every endpoint's default is Whop's sandbox (`https://sandbox-api.whop.com`);
   * URLs given explicitly still win. Default `production`.
   */
  environment?: WhopEnvironment;
  /** The client secret of a confidential app; leave it out for a public app. */
  clientSecret?: string;
  /**
   * The OpenID scopes: a space-separated string or an array (default `openid profile email`).
   * A company ID (`biz_...`) among them is sent as `company_id`, not as a scope.
   */
  scope?: string | readonly string[];
  /** Whop's signing keys for ID tokens (default `https://api.whop.com/.well-known/jwks.json`). */
  jwksURL?: string;
  /** The ID token's expected `iss` (default `https://api.whop.com`). */
  issuer?: string;
  /** Where `revokeToken` posts (default `https://api.whop.com/oauth/revoke`). */
  revocationURL?: string;
}

export interface WhopStrategyOptions extends WhopStrategyOptionsBase {
  /** Left out or `false`: the verify function does not get the request. */
  passReqToCallback?: false;
}
export interface WhopStrategyOptionsWithRequest extends WhopStrategyOptionsBase {
  /** The verify function gets the request as its first argument. */
  passReqToCallback: true;
}
export interface WhopOAuth21Options extends WhopOAuth21OptionsBase {
  /** Left out or `false`: the verify function does not get the request. */
  passReqToCallback?: false;
}
export interface WhopOAuth21OptionsWithRequest extends WhopOAuth21OptionsBase {
  /** The verify function gets the request as its first argument. */
  passReqToCallback: true;
}

/** The callback URL rule: https, http on loopback only, or a path on this site. */
export function isValidCallbackURL(value: unknown): value is string {
  if (typeof value !== 'string' || value === '') return false;
  if (value.startsWith('/')) return !value.startsWith('//');
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

export function isCompanyId(value: unknown): value is string {
  return typeof value === 'string' && COMPANY_ID.test(value);
}

/** An absolute `http:` or `https:` URL, as every endpoint option must be. */
export function isHttpURL(value: unknown): value is string {
  return (
    typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)
  );
}

/** A Whop user ID (`user_...`), as the access check's path may hold one. */
export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID.test(value);
}

/** A company (`biz_`), product (`prod_`) or experience (`exp_`) ID. */
export function isResourceId(value: unknown): value is string {
  return typeof value === 'string' && RESOURCE_ID.test(value);
}

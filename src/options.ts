import { Agent } from 'node:http';
import type { CodeStore } from './stores/codes.js';
import type { RefreshLock } from './stores/refresh-lock.js';
import { API_URLS, ENDPOINTS, SANDBOX } from './whop/endpoints.js';
import type { StateStore } from './flow/state.js';

const DEFAULT_ACCESS_MAX_AGE_MS = 60_000;
const DEFAULT_ACCESS_CACHE_SIZE = 10_000;
const DEFAULT_OPENID_SCOPES = ['openid', 'profile', 'email'];
const DEFAULT_TIMEOUT_MS = 10_000;
const COMPANY_ID = /^biz_[A-Za-z0-9]+$/;
export const COMPANY_RULE = 'biz_ followed by letters and digits';
/** What Whop checks access to: a company, a product or an experience. */
const RESOURCE_ID = /^(?:biz|prod|exp)_[A-Za-z0-9]+$/;
export const RESOURCE_RULE = 'biz_, prod_ or exp_ followed by letters and digits';
/**
 * A Whop user ID. Whop's are `user_` and letters and digits; underscores are let in too. What it
 * keeps out goes into the access check's path: `.` and `..` (which a normalising proxy resolves),
 * `/`, `%`, and lone surrogates (which have no UTF-8 form).
 */
const USER_ID = /^user_\w+$/;
export const USER_RULE = 'user_ followed by letters, digits and underscores';
/** RFC 6749 section 3.3: printable ASCII but space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
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
  /** Skip loading the profile: `true`, or a function of the access token (passport-oauth2's forms). */
  skipUserProfile?:
    | boolean
    | ((accessToken: string) => boolean)
    | ((accessToken: string, done: (err: Error | null, skip: boolean) => void) => void);
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

/** The options, checked, with each flow's defaults filled in. */
export interface ResolvedOptions {
  readonly flow: WhopFlow;
  readonly clientID: string;
  readonly clientSecret: string | undefined;
  /** The company of the `scope` option. */
  readonly company: string | undefined;
  /** The OpenID scopes, space-separated (OAuth 2.1 only). */
  readonly openidScope: string | undefined;
  /** The legacy flow's Whop permission scopes, space-separated, without the company. */
  readonly permissionScope: string | undefined;
  readonly state: boolean;
  readonly timeout: number;
  readonly authorizationURL: string;
  readonly tokenURL: string;
  readonly userProfileURL: string;
  /** The three below are set for OAuth 2.1 only. */
  readonly jwksURL: string | undefined;
  readonly issuer: string | undefined;
  readonly revocationURL: string | undefined;
  readonly environment: WhopEnvironment;
  readonly apiURL: string;
  /** The `requireAccess` resources, or undefined when logins are not gated. */
  readonly requireAccess: readonly string[] | undefined;
  readonly accessMaxAge: number;
  readonly accessCacheSize: number;
  /** The app's API key for the access checks. */
  readonly apiKey: string | undefined;
}

function fail(option: string, why: string): never {
  throw new TypeError(`WhopStrategy requires the ${option} option to be ${why}`);
}

function checkURL(name: string, value: unknown): string {
  if (
    typeof value !== 'string' ||
    !URL.canParse(value) ||
    !/^https?:$/.test(new URL(value).protocol)
  ) {
    fail(name, 'an absolute http(s) URL');
  }
  return value;
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

/** A Whop user ID (`user_...`), as the access check's path may hold one. */
export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID.test(value);
}

/** A company (`biz_`), product (`prod_`) or experience (`exp_`) ID. */
export function isResourceId(value: unknown): value is string {
  return typeof value === 'string' && RESOURCE_ID.test(value);
}

/** The `requireAccess` option: one resource ID or a non-empty array of them, without repeats. */
function parseRequireAccess(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every(isResourceId))
    fail('requireAccess', `a resource ID (${RESOURCE_RULE}) or an array of them`);
  return Object.freeze([...new Set(list as string[])]);
}

/**
 * The `scope` option: scope tokens (OAuth 2.1's OpenID scopes, the legacy flow's Whop permission
 * scopes) and at most one company taken out of them.
 */
function parseScope(
  value: unknown,
  kind: string,
  defaults: readonly string[],
): { scopes: string[]; company: string | undefined } {
  const entries =
    value === undefined ? [] : typeof value === 'string' ? value.split(' ').filter(Boolean) : value;
  const rule = `${kind} (a space-separated string or an array of scope tokens) and at most one company ID (biz_...)`;
  if (!Array.isArray(entries)) fail('scope', rule);
  const scopes: string[] = [];
  const companies: string[] = [];
  for (const entry of entries as unknown[]) {
    if (isCompanyId(entry)) companies.push(entry);
    // Permission scopes are let in beside the company, so a mistyped company would pass as one,
    // and only Whop's refusal would tell.
    else if (typeof entry === 'string' && entry.startsWith('biz_'))
      fail('scope', `${rule}: an entry starting with biz_ must be a company ID (${COMPANY_RULE})`);
    else if (typeof entry === 'string' && SCOPE_TOKEN.test(entry)) scopes.push(entry);
    else fail('scope', rule);
  }
  if (companies.length > 1) fail('scope', rule);
  // A company alone (as in the legacy flow) still logs the user in with the default scopes.
  return {
    scopes: scopes.length > 0 ? [...new Set(scopes)] : [...defaults],
    company: companies[0],
  };
}

/** Check every option, naming the one that is wrong, and fill in the flow's defaults. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('WhopStrategy requires an options object');
  const raw = options as Record<string, unknown>;
  const flow = raw.flow ?? 'legacy';
  if (flow !== 'legacy' && flow !== 'oauth2.1') fail('flow', "'legacy' or 'oauth2.1'");
  const oauth21 = flow === 'oauth2.1';

  if (typeof raw.clientID !== 'string' || raw.clientID === '')
    throw new TypeError('WhopStrategy requires a clientID option');
  // Whop's OAuth 2.1 apps can be public (no secret); the legacy flow always needs one.
  const clientSecret = raw.clientSecret;
  if (oauth21 ? clientSecret !== undefined && !nonEmpty(clientSecret) : !nonEmpty(clientSecret))
    throw new TypeError('WhopStrategy requires a clientSecret option');
  if (!isValidCallbackURL(raw.callbackURL)) fail('callbackURL', CALLBACK_RULE);

  const parsed = oauth21
    ? parseScope(raw.scope, 'OpenID scopes', DEFAULT_OPENID_SCOPES)
    : parseScope(raw.scope, 'Whop permission scopes such as read_user', []);
  const { company } = parsed;
  const scopes = parsed.scopes.length > 0 ? parsed.scopes.join(' ') : undefined;
  const openidScope = oauth21 ? scopes : undefined;
  const permissionScope = oauth21 ? undefined : scopes;

  const timeout = raw.timeout ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)
    fail('timeout', 'a positive number of milliseconds');
  if (raw.agent !== undefined && !(raw.agent instanceof Agent))
    fail('agent', 'an http.Agent or https.Agent');
  // Truthy or not, as passport-oauth2 reads it; on unless said otherwise.
  const state = raw.state === undefined ? true : Boolean(raw.state);
  // PKCE and the nonce travel with the state: OAuth 2.1 cannot do without it.
  if (oauth21 && !state) fail('state', "true with flow: 'oauth2.1' (PKCE and the nonce need it)");
  const store = raw.store as Partial<StateStore> | undefined;
  // As in passport-oauth2, only an object is a store; any other truthy value picks its session
  // store that keeps app state (`store: true`).
  if (typeof store === 'object' && store !== null) {
    if (typeof store?.store !== 'function' || typeof store.verify !== 'function')
      fail('store', 'an object with store() and verify() methods');
    if (oauth21 && store.store.length !== 5)
      fail(
        'store',
        "a store whose store() takes (req, verifier, state, meta, callback) with flow: 'oauth2.1' (PKCE)",
      );
  }
  const codeStore = raw.codeStore as Partial<CodeStore> | undefined;
  if (
    codeStore !== undefined &&
    (typeof codeStore?.claim !== 'function' ||
      (codeStore.release !== undefined && typeof codeStore.release !== 'function'))
  )
    fail(
      'codeStore',
      'an object with a claim(code, ttlMs) method, and a release(code) method if any',
    );
  const refreshLock = raw.refreshLock as Partial<RefreshLock> | undefined;
  if (refreshLock !== undefined && typeof refreshLock?.coordinate !== 'function')
    fail('refreshLock', 'a RedisRefreshLock (an object with a coordinate(refresh) method)');

  const environment = raw.environment ?? 'production';
  if (environment !== 'production' && environment !== 'sandbox')
    fail('environment', "'production' or 'sandbox'");
  // Whop's sandbox serves the OAuth 2.1 endpoints only.
  if (environment === 'sandbox' && !oauth21)
    fail('environment', "'production' with the legacy flow: the sandbox needs flow: 'oauth2.1'");
  const defaults = environment === 'sandbox' ? SANDBOX : ENDPOINTS[flow];
  const only21 = (name: 'jwksURL' | 'issuer' | 'revocationURL'): string | undefined => {
    if (!oauth21) {
      if (raw[name] !== undefined) fail(name, "given with flow: 'oauth2.1' only");
      return undefined;
    }
    return checkURL(name, raw[name] ?? (defaults as typeof SANDBOX)[name]);
  };
  const requireAccess = parseRequireAccess(raw.requireAccess);
  // The access check needs the user's ID: the profile's, or the ID token's (OAuth 2.1, openid).
  const idToken = oauth21 && openidScope!.split(' ').includes('openid');
  if (requireAccess && raw.skipUserProfile === true && !idToken)
    fail(
      'requireAccess',
      "given with the profile loaded (not skipUserProfile: true), or with flow: 'oauth2.1' and the openid scope: the access check needs the user's ID",
    );
  const apiURL = checkURL('apiURL', raw.apiURL ?? API_URLS[environment]);
  if (/[?#]/.test(apiURL)) fail('apiURL', 'a URL without a query or a fragment');
  const apiKey = raw.apiKey;
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey.trim() === ''))
    fail('apiKey', "the app's API key from Whop's dashboard, a non-empty string");
  const accessMaxAge = raw.accessMaxAge ?? DEFAULT_ACCESS_MAX_AGE_MS;
  if (typeof accessMaxAge !== 'number' || !Number.isFinite(accessMaxAge) || accessMaxAge < 0)
    fail('accessMaxAge', 'a number of milliseconds, 0 or more (0 turns the cache off)');
  const accessCacheSize = raw.accessCacheSize ?? DEFAULT_ACCESS_CACHE_SIZE;
  if (
    typeof accessCacheSize !== 'number' ||
    !Number.isSafeInteger(accessCacheSize) ||
    accessCacheSize < 1
  )
    fail('accessCacheSize', 'a positive whole number of answers');
  return {
    flow,
    clientID: raw.clientID,
    clientSecret: clientSecret as string | undefined,
    company,
    openidScope,
    permissionScope,
    state,
    timeout,
    authorizationURL: checkURL(
      'authorizationURL',
      raw.authorizationURL ?? defaults.authorizationURL,
    ),
    tokenURL: checkURL('tokenURL', raw.tokenURL ?? defaults.tokenURL),
    userProfileURL: checkURL('userProfileURL', raw.userProfileURL ?? defaults.userProfileURL),
    jwksURL: only21('jwksURL'),
    issuer: only21('issuer'),
    revocationURL: only21('revocationURL'),
    environment,
    // Without a trailing slash: the paths are appended to it.
    apiURL: apiURL.replace(/\/+$/, ''),
    requireAccess,
    accessMaxAge,
    accessCacheSize,
    apiKey: apiKey as string | undefined,
  };
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

import { Agent } from 'node:http';
import type { CodeStore } from './stores/codes.js';
import type { RefreshLock } from './stores/refresh-lock.js';
import { API_URLS, ENDPOINTS, SANDBOX } from './whop/endpoints.js';
import { hasMistypedCompany, loginScope } from './flow/scope.js';
import type { StateStore } from './flow/state.js';
import {
  CALLBACK_RULE,
  COMPANY_RULE,
  isHttpURL,
  isResourceId,
  isValidCallbackURL,
  RESOURCE_RULE,
  type WhopEnvironment,
  type WhopFlow,
} from './options.js';

const DEFAULT_ACCESS_MAX_AGE_MS = 60_000;
const DEFAULT_ACCESS_CACHE_SIZE = 10_000;
const DEFAULT_TIMEOUT_MS = 10_000;

/** The options, checked, with each flow's defaults filled in. */
export interface ResolvedOptions {
  readonly flow: WhopFlow;
  readonly clientID: string;
  readonly clientSecret: string | undefined;
  /** The `scope` option as given (checked), which passport-oauth2 keeps as `_scope`. */
  readonly scope: unknown;
  readonly scopeSeparator: string;
  /** The OpenID scopes a login asks for, joined (OAuth 2.1 only). */
  readonly openidScope: string | undefined;
  /** passport-oauth2's `pkce` option: `S256` or `plain`, or false. */
  readonly pkce: 'S256' | 'plain' | false;
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
  if (!isHttpURL(value)) fail(name, 'an absolute http(s) URL');
  return value;
}

/** The `requireAccess` option: one resource ID or a non-empty array of them, without repeats. */
function parseRequireAccess(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every(isResourceId))
    fail('requireAccess', `a resource ID (${RESOURCE_RULE}) or an array of them`);
  return Object.freeze([...new Set(list as string[])]);
}

type Raw = Readonly<Record<string, unknown>>;

/** Check every option, naming the one that is wrong, and fill in the flow's defaults. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('WhopStrategy requires an options object');
  const raw = options as Raw;
  const flow = raw.flow ?? 'legacy';
  if (flow !== 'legacy' && flow !== 'oauth2.1') fail('flow', "'legacy' or 'oauth2.1'");
  const client = resolveClient(raw, flow);
  const scopes = resolveScope(raw, flow);
  const timeout = raw.timeout ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)
    fail('timeout', 'a positive number of milliseconds');
  if (raw.agent !== undefined && !(raw.agent instanceof Agent))
    fail('agent', 'an http.Agent or https.Agent');
  const stores = resolveStores(raw, flow);
  const endpoints = resolveEndpoints(raw, flow);
  const access = resolveAccess(raw, endpoints.environment, scopes.openidScope, flow);
  return { flow, ...client, ...scopes, timeout, ...stores, ...endpoints, ...access };
}

function resolveClient(raw: Raw, flow: WhopFlow) {
  if (typeof raw.clientID !== 'string' || raw.clientID === '')
    throw new TypeError('WhopStrategy requires a clientID option');
  // Whop's OAuth 2.1 apps can be public (no secret); the legacy flow always needs one.
  const clientSecret = raw.clientSecret;
  const given = nonEmpty(clientSecret);
  if (flow === 'oauth2.1' ? clientSecret !== undefined && !given : !given)
    throw new TypeError('WhopStrategy requires a clientSecret option');
  if (!isValidCallbackURL(raw.callbackURL)) fail('callbackURL', CALLBACK_RULE);
  return { clientID: raw.clientID, clientSecret: clientSecret as string | undefined };
}

function resolveScope(raw: Raw, flow: WhopFlow) {
  const scopeSeparator = raw.scopeSeparator ?? ' ';
  if (typeof scopeSeparator !== 'string' || scopeSeparator === '')
    fail('scopeSeparator', 'a non-empty string (passport-oauth2 joins an array scope with it)');
  const kind = flow === 'oauth2.1' ? 'OpenID scopes' : 'Whop permission scopes such as read_user';
  const scope = loginScope(flow, undefined, raw.scope, scopeSeparator);
  const rule = `${kind} (a space-separated string or an array of scope tokens) and at most one company ID (biz_...)`;
  if (scope === undefined)
    fail(
      'scope',
      hasMistypedCompany(raw.scope, scopeSeparator)
        ? `${rule}: an entry starting with biz_ must be a company ID (${COMPANY_RULE})`
        : rule,
    );
  const openidScope = flow === 'oauth2.1' ? scope.scope : undefined;
  return { scope: raw.scope, scopeSeparator, openidScope };
}

function resolveStores(raw: Raw, flow: WhopFlow) {
  const oauth21 = flow === 'oauth2.1';
  // Truthy or not, as passport-oauth2 reads it; on unless said otherwise.
  const state = raw.state === undefined ? true : Boolean(raw.state);
  // PKCE travels with the state: OAuth 2.1 cannot do without it.
  if (oauth21 && !state) fail('state', "true with flow: 'oauth2.1' (PKCE and the nonce need it)");
  const pkce = resolvePkce(raw.pkce, oauth21, state);
  const store = raw.store as Partial<StateStore> | undefined;
  // As in passport-oauth2, only an object is a store; any other truthy value picks its session
  // store that keeps app state (`store: true`).
  if (typeof store === 'object' && store !== null) {
    if (typeof store?.store !== 'function' || typeof store.verify !== 'function')
      fail('store', 'an object with store() and verify() methods');
    if (pkce && store.store.length !== 5)
      fail(
        'store',
        "a store whose store() takes (req, verifier, state, meta, callback) with PKCE (flow: 'oauth2.1', or the pkce option)",
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
  return { state, pkce };
}

function resolveEndpoints(raw: Raw, flow: WhopFlow) {
  const oauth21 = flow === 'oauth2.1';
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
  return {
    environment: environment as WhopEnvironment,
    authorizationURL: checkURL(
      'authorizationURL',
      raw.authorizationURL ?? defaults.authorizationURL,
    ),
    tokenURL: checkURL('tokenURL', raw.tokenURL ?? defaults.tokenURL),
    userProfileURL: checkURL('userProfileURL', raw.userProfileURL ?? defaults.userProfileURL),
    jwksURL: only21('jwksURL'),
    issuer: only21('issuer'),
    revocationURL: only21('revocationURL'),
  };
}

function resolveAccess(
  raw: Raw,
  environment: WhopEnvironment,
  openidScope: string | undefined,
  flow: WhopFlow,
) {
  const requireAccess = parseRequireAccess(raw.requireAccess);
  // The access check needs the user's ID: the profile's, or the ID token's (OAuth 2.1, openid).
  const idToken = flow === 'oauth2.1' && (openidScope?.split(/[\s,]+/).includes('openid') ?? false);
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
  // Without a trailing slash: the paths are appended to it.
  return {
    apiURL: apiURL.replace(/\/+$/, ''),
    requireAccess,
    accessMaxAge,
    accessCacheSize,
    apiKey: apiKey as string | undefined,
  };
}
/**
 * The `pkce` option, as passport-oauth2 takes it (`true` is `S256`), which needs the state
 * (passport-oauth2 says so too); Whop's OAuth 2.1 requires S256, and gets it by default.
 */
function resolvePkce(value: unknown, oauth21: boolean, state: boolean): 'S256' | 'plain' | false {
  if (oauth21) {
    if (value === undefined || value === true || value === 'S256') return 'S256';
    fail('pkce', "left out, true or 'S256' with flow: 'oauth2.1' (Whop requires PKCE with S256)");
  }
  if (value === undefined || value === false) return false;
  const method = value === true ? 'S256' : value;
  if (method !== 'S256' && method !== 'plain') fail('pkce', "true, 'S256' or 'plain'");
  if (!state) fail('state', 'true when PKCE is enabled (the verifier is kept with the state)');
  return method;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

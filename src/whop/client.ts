import { createHash } from 'node:crypto';
import type { Agent } from 'node:http';
import type { WhopFlow } from '../options.js';
import { AccessChecker, tokenKey, type WhopAccess } from './access.js';
import {
  TokenExchange,
  type ExchangeMethod,
  type ExchangeSettings,
  type TokenForm,
} from './exchange.js';
import {
  encodeForm,
  failure,
  isSuccess,
  limitedTo,
  secretsOf,
  send,
  strategySettings,
  type HttpSettings,
  type WhopRequest,
} from './http.js';
import { scrubError } from './scrub.js';
import type { RefreshLock } from '../stores/refresh-lock.js';
import { toTokenParams, toWhopTokens, type WhopTokenParams, type WhopTokens } from './tokens.js';

/** What a {@link WhopClient} is made of: the strategy's resolved options. */
export interface WhopClientSettings extends Omit<ExchangeSettings, 'http' | 'headers'> {
  /** Set in the OAuth 2.1 flow only. */
  readonly revocationURL: string | undefined;
  /** Whop's REST API base, without a trailing slash (the access check). */
  readonly apiURL: string;
  /** How long an access answer is kept, in milliseconds; 0 keeps none. */
  readonly accessMaxAge: number;
  /** How many access answers are kept at most. */
  readonly accessCacheSize: number;
  /** The limit on a request sent outside a login (refresh, revoke, `checkAccess`, the JWKS). */
  readonly timeout: number;
  /** The `agent` option; without it, the agent set with `_oauth2.setAgent()`. */
  readonly agent: Agent | undefined;
  /** The app's API key: when set, access checks are asked with it. */
  readonly apiKey?: string | undefined;
  /** Which Whop the access answers come from (their cache key with an API key). */
  readonly environment: string;
  /** The `refreshLock` option: one refresh per refresh token across processes. */
  readonly refreshLock?: RefreshLock | undefined;
}

/**
 * What every strategy of this package has: access checks (a `WhopAppStrategy` has no OAuth
 * client, only these). `checkAccess` reaches them through {@link clientOf}.
 *
 * @internal
 */
export interface AccessClient {
  /** The access checks and their cache, for `requireAccess` and `checkAccess`. */
  readonly access: AccessChecker;
  /** Whether checks are asked with the app's API key (no user token needed). */
  readonly usesApiKey: boolean;
  /** Whether `userId` has access to `resourceId`, from the cache or Whop. */
  checkAccess(
    accessToken: string | undefined,
    userId: string,
    resourceId: string,
  ): Promise<WhopAccess>;
}

/** @internal The access checks of `checker` as an {@link AccessClient}. */
export function accessClient(checker: AccessChecker): AccessClient {
  return {
    access: checker,
    get usesApiKey() {
      return checker.usesApiKey;
    },
    checkAccess: (accessToken, userId, resourceId) =>
      checker.check(
        accessToken,
        accessToken === undefined ? undefined : tokenKey(accessToken),
        userId,
        resourceId,
      ),
  };
}

/**
 * node-oauth's `OAuth2` of a strategy, as the client reads it at each request, as node-oauth
 * does: the agent of `setAgent()` and the custom headers (passport-oauth2's `customHeaders`).
 */
export interface OAuth2Transport {
  readonly _agent?: unknown;
  readonly _customHeaders?: Readonly<Record<string, string>>;
}

/** A refresh's outcome, shared by every caller of one refresh. */
interface Refreshed {
  /** What `refreshAccessToken` resolves: frozen, the same object for every caller. */
  readonly tokens: WhopTokens;
  /** node-oauth's `results`, as passport-oauth2-refresh's callback receives them. */
  readonly tokenParams: WhopTokenParams;
  /** The refresh token Whop sent, if it sent one. */
  readonly sent: string | undefined;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** A refresh's outcome, frozen: every caller of a shared refresh gets these objects. */
function refreshed(
  tokens: WhopTokens,
  sent: string | undefined,
  tokenParams: WhopTokenParams,
): Refreshed {
  return Object.freeze({ tokens, sent, tokenParams: Object.freeze(tokenParams) });
}

/**
 * One strategy's way to Whop: its endpoints, client credentials and transport settings (timeout,
 * agent, headers), and everything sent with them: the token exchange of a login, the refresh
 * (one path for `refreshAccessToken` and passport-oauth2-refresh), the revocation and the access
 * checks with their cache. Modules reach a strategy's client through {@link clientOf}.
 *
 * @internal
 */
export class WhopClient implements AccessClient {
  readonly flow: WhopFlow;
  readonly clientID: string;
  readonly tokenURL: string;
  readonly revocationURL: string | undefined;
  readonly apiURL: string;
  /** The timeout and the agent, the agent read at each request. */
  readonly http: HttpSettings;
  /** The code exchange of a login, with its ID token check in OAuth 2.1. */
  readonly tokens: TokenExchange;
  /** The access checks and their cache, for `requireAccess` and `checkAccess`. */
  readonly access: AccessChecker;
  /** A drop-in for node-oauth's `getOAuthAccessToken`, which passport-oauth2-refresh calls. */
  readonly getOAuthAccessToken: ExchangeMethod;
  /** Undefined only for a public client of the OAuth 2.1 flow; for scrubbing errors. */
  readonly clientSecret: string | undefined;
  /** The refreshes in flight, keyed by a hash of the refresh token and the rest of the form. */
  private readonly refreshes = new Map<string, Promise<Refreshed>>();
  /** Where a refresh is coordinated with other processes (the `refreshLock` option). */
  private readonly refreshLock: RefreshLock | undefined;

  constructor(
    settings: WhopClientSettings,
    private readonly oauth2: OAuth2Transport,
  ) {
    this.flow = settings.flow;
    this.clientID = settings.clientID;
    this.clientSecret = settings.clientSecret;
    this.tokenURL = settings.tokenURL;
    this.revocationURL = settings.revocationURL;
    this.apiURL = settings.apiURL;
    this.refreshLock = settings.refreshLock;
    this.http = strategySettings(settings.timeout, settings.agent, oauth2);
    this.tokens = new TokenExchange(this.withTransport(settings));
    this.access = new AccessChecker(
      this.withTransport({
        apiURL: settings.apiURL,
        maxAge: settings.accessMaxAge,
        cacheSize: settings.accessCacheSize,
        apiKey: settings.apiKey,
        environment: settings.environment,
      }),
    );
    this.getOAuthAccessToken = (code, params, callback) => {
      // node-oauth takes no params as none: `getOAuthAccessToken(code, null, cb)`.
      const given = params ?? {};
      if (given.grant_type === 'refresh_token') {
        this.refresh(code, given).then(
          ({ tokens, sent, tokenParams }) =>
            process.nextTick(() => callback(null, tokens.accessToken, sent, { ...tokenParams })),
          (error: Error) => process.nextTick(() => callback(error)),
        );
      } else this.tokens.method(code, given, callback);
    };
  }

  /** The custom headers sent with every request: passport-oauth2's `customHeaders`. */
  get headers(): Readonly<Record<string, string>> {
    return this.oauth2._customHeaders ?? NO_HEADERS;
  }

  /** `settings` with this client's `http`, and its `headers` read at each request. */
  private withTransport<T extends object>(
    settings: T,
  ): T & { readonly http: HttpSettings; readonly headers: Readonly<Record<string, string>> } {
    return Object.defineProperty({ ...settings, http: this.http }, 'headers', {
      get: () => this.headers,
      enumerable: true,
    }) as T & { readonly http: HttpSettings; readonly headers: Readonly<Record<string, string>> };
  }

  /**
   * New tokens for `refreshToken`. `params` are the form's other fields (a company as
   * `company_id` or inside `scope`). Concurrent refreshes of one token with the same fields share
   * one request and its outcome: Whop rotates refresh tokens, so a second request with the same
   * one would fail.
   */
  refresh(
    refreshToken: string,
    params: Readonly<Record<string, unknown>> = {},
  ): Promise<Refreshed> {
    let form: TokenForm;
    try {
      form = this.tokens.form(refreshToken, { ...params, grant_type: 'refresh_token' });
    } catch (error) {
      return Promise.reject(error as Error);
    }
    // The token as a hash, so the table never holds it; beside it the other fields (the company
    // among them) in name order, so the same request is one key however its fields were given.
    const { refresh_token: _token, client_secret: _secret, ...rest } = form.form;
    const fields = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)));
    const key = `${createHash('sha256').update(refreshToken).digest('base64url')} ${encodeForm(fields)}`;
    const pending = this.refreshes.get(key);
    if (pending) return pending;
    // Removed once settled, before any caller sees the outcome: a later call asks Whop again.
    const request = this.exchangeRefresh(refreshToken, form).finally(() => {
      if (this.refreshes.get(key) === request) this.refreshes.delete(key);
    });
    this.refreshes.set(key, request);
    return request;
  }

  /**
   * One refresh, in this process or, with a `refreshLock`, in whichever process took the lock:
   * every caller in every process gets the same tokens (or the same error).
   */
  private async exchangeRefresh(refreshToken: string, form: TokenForm): Promise<Refreshed> {
    const lock = this.refreshLock;
    if (lock === undefined) {
      const { json, refreshToken: sent, tokenParams } = await this.tokens.send(refreshToken, form);
      return refreshed(toWhopTokens(json, refreshToken, tokenParams), sent, tokenParams);
    }
    try {
      const tokens = await lock.coordinate({
        refreshToken,
        companyId: form.company,
        timeout: this.http.timeout,
        // The lock gives the request less than the whole timeout: the rest is for waiting.
        refresh: async (timeout) => {
          const http = limitedTo(this.http, timeout);
          const answer = await this.tokens.send(
            refreshToken,
            form,
            undefined,
            undefined,
            undefined,
            http,
          );
          return toWhopTokens(answer.json, refreshToken, answer.tokenParams);
        },
      });
      // Tokens another process got: node-oauth's results rebuilt from Whop's answer, with the
      // holder's expiry, so every caller stores the same one.
      const tokenParams: Record<string, unknown> = { ...toTokenParams(tokens.params) };
      if (tokens.expiresAt !== undefined) tokenParams.expires_at = tokens.expiresAt;
      if (form.company !== undefined) tokenParams.company_id = form.company;
      const sent = tokens.params.refresh_token;
      return refreshed(
        tokens,
        typeof sent === 'string' ? sent : undefined,
        tokenParams as WhopTokenParams,
      );
    } catch (error) {
      // An error another process shared was scrubbed there; this is for a lock of the app's own.
      throw scrubError(error, [refreshToken, this.clientSecret]);
    }
  }

  /**
   * Revoke `token` at the revocation endpoint (OAuth 2.1). Rejects with a `TokenError` or an
   * `InternalOAuthError` (step `revoke`), scrubbed of the token and the secret.
   */
  async revoke(token: string): Promise<void> {
    const url = this.revocationURL;
    if (url === undefined) throw new TypeError("Whop's legacy flow has no revocation endpoint");
    const form = { token, client_id: this.clientID, client_secret: this.clientSecret };
    const request: WhopRequest = { step: 'revoke', url, form, headers: this.headers };
    const response = await send(request, this.http);
    // Whop's refusal may quote the token or the secret it was sent.
    if (!isSuccess(response)) {
      const secrets = secretsOf(request);
      throw scrubError(failure('revoke', response, secrets), secrets);
    }
  }

  /** Whether checks are asked with the app's API key (no user token needed). */
  get usesApiKey(): boolean {
    return this.access.usesApiKey;
  }

  /**
   * Whether `userId` has access to `resourceId`, asked with the app's API key or else
   * `accessToken`, from the cache or Whop.
   */
  checkAccess(
    accessToken: string | undefined,
    userId: string,
    resourceId: string,
  ): Promise<WhopAccess> {
    return accessClient(this.access).checkAccess(accessToken, userId, resourceId);
  }
}

// Each strategy's client, registered by its constructor: modules meet a strategy's settings
// here, through this module's exports, not through fields of the strategy.
const clients = new WeakMap<object, AccessClient>();

/** @internal Make `client` the one of `owner` (a strategy, in its constructor). */
export function registerClient(owner: object, client: AccessClient): void {
  clients.set(owner, client);
}

/** @internal The client of `owner`, when it is a strategy of this package. */
export function clientOf(owner: unknown): AccessClient | undefined {
  return typeof owner === 'object' && owner !== null ? clients.get(owner) : undefined;
}

/** @internal The OAuth client of `owner`, when it is a `WhopStrategy` (not a `WhopAppStrategy`). */
export function oauthClientOf(owner: unknown): WhopClient | undefined {
  const client = clientOf(owner);
  return client instanceof WhopClient ? client : undefined;
}

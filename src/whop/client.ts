import type { Agent } from 'node:http';
import type { WhopFlow } from '../options.js';
import { AccessChecker, tokenKey, type WhopAccess } from './access.js';
import { failure } from './answer-errors.js';
import { TokenExchange, type ExchangeMethod, type ExchangeSettings } from './exchange.js';
import {
  isSuccess,
  secretsOf,
  send,
  strategySettings,
  type HttpSettings,
  type WhopRequest,
} from './http.js';
import { Refresher, type Refreshed } from './refresher.js';
import { scrubError } from './scrub.js';
import type { RefreshLock } from '../stores/refresh-lock.js';

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

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

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
  /** The one refresh path: the refreshes in flight, and the `refreshLock` option. */
  private readonly refresher: Refresher;

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
    this.http = strategySettings(settings.timeout, settings.agent, oauth2);
    this.tokens = new TokenExchange(this.withTransport(settings));
    this.refresher = new Refresher({
      tokens: this.tokens,
      http: this.http,
      refreshLock: settings.refreshLock,
      clientSecret: this.clientSecret,
    });
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
    return this.refresher.refresh(refreshToken, params);
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

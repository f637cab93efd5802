import { AccessTable, type MockAccessLevel } from './access.js';
import { consent, type ConsentOptions } from './consent.js';
import { GrantStore, type RefreshTokenReuse } from './grants.js';
import { TokenHold } from './hold.js';
import { createSigner } from './keys.js';
import {
  checkClient,
  checkUser,
  MOCK_CLIENT,
  MOCK_REDIRECT_URIS,
  MOCK_USER,
  type MockContext,
  type MockWhopClient,
  type MockWhopUser,
} from './model.js';
import { listen, mockURLs, serve } from './serve.js';
import {
  strategyOptions,
  type MockOAuth21StrategyOptions,
  type MockOAuth21StrategyOptionsRequest,
  type MockStrategyOptions,
  type MockStrategyOptionsRequest,
} from './strategy-options.js';
import {
  appStrategyOptions,
  userToken,
  type MockAppStrategyOptions,
  type MockUserTokenOptions,
} from './user-tokens.js';

/** How {@link startMockWhop} sets up the mock. */
export interface MockWhopOptions {
  /** The port to listen on; `0` (the default) picks a free one. */
  port?: number;
  /** The address to listen on (default `127.0.0.1`: loopback only). */
  host?: string;
  /** The users who can sign in (default: [{@link MOCK_USER}]). */
  users?: MockWhopUser[];
  /** The registered apps (default: {@link MOCK_CLIENT} with redirect URIs on port 3000). */
  clients?: MockWhopClient[];
  /** How long access tokens (and id_tokens) live, in seconds (default 3600). */
  tokenLifetime?: number;
  /** The mock's clock in milliseconds (default `Date.now`): move it to expire codes and tokens. */
  now?: () => number;
  /**
   * What a rotated-out refresh token used again does (default `'refuse'`): `'refuse'` answers
   * `invalid_grant`; `'revoke'` (reuse detection) also revokes every token of that login, so
   * two processes racing one refresh token log the user out, as at a provider that detects reuse.
   */
  refreshTokenReuse?: RefreshTokenReuse;
}

/** One entry of the request log. It never holds codes, tokens or secrets. */
export interface MockWhopRequest {
  /** The HTTP method. */
  method: string;
  /** The path, without the query string. */
  path: string;
  /** The token endpoints' `grant_type`. */
  grantType?: string;
  /** The status the mock answered with. */
  status: number;
  /** When it was answered, by the mock's clock (ms). */
  at: number;
}

/** A running mock Whop; see {@link startMockWhop}. */
export interface MockWhop {
  /** The origin, e.g. `http://127.0.0.1:45678`. */
  readonly url: string;
  /** Legacy flow: `${url}/oauth`. */
  readonly authorizationURL: string;
  /** Legacy flow: `${url}/api/v3/oauth/token`. */
  readonly tokenURL: string;
  /** Legacy flow: `${url}/api/v5/me`. */
  readonly userProfileURL: string;
  /** The OAuth 2.1 flow's endpoints; the issuer is `url`. */
  readonly oauth21: {
    /** `${url}/oauth/authorize` */
    readonly authorizationURL: string;
    /** `${url}/oauth/token` */
    readonly tokenURL: string;
    /** `${url}/oauth/userinfo`: the strategy's `userProfileURL` in this flow. */
    readonly userInfoURL: string;
    /** `${url}/oauth/revoke` */
    readonly revocationURL: string;
    /** `${url}/.well-known/jwks.json` */
    readonly jwksURL: string;
    /** `url` itself. */
    readonly issuer: string;
  };
  /** Whop's REST API v1 (the access check): `${url}/api/v1`, the path the sandbox's has too. */
  readonly apiURL: string;
  /** The registered apps: the live list, so pushing to it registers one (unchecked). */
  readonly clients: MockWhopClient[];
  /** The users: the live list, so pushing to it adds one. */
  readonly users: MockWhopUser[];
  /** Every request answered, oldest first. */
  readonly requests: readonly MockWhopRequest[];
  /** Register an app, replacing any with the same client ID (for apps that know their port late). */
  addClient(client: MockWhopClient): void;
  /**
   * The legacy flow's options that point a `WhopStrategy` at this mock: {@link MOCK_CLIENT}'s ID
   * and secret, the mock's URLs and a callback URL. Spread them last:
   * `new WhopStrategy({ ...yours, ...whop.strategyOptions({ callbackURL }) }, verify)`.
   * With `callbackURL`, that URL is registered for the client too.
   */
  strategyOptions(request?: MockStrategyOptionsRequest): MockStrategyOptions;
  /** The same for the OAuth 2.1 flow: `whop.strategyOptions({ flow: 'oauth2.1', callbackURL })`. */
  strategyOptions(request: MockOAuth21StrategyOptionsRequest): MockOAuth21StrategyOptions;
  /**
   * A user token as Whop's proxy adds it to an embedded app's requests (`x-whop-user-token`):
   * ES256, signed with the key the mock's JWKS serves, issuer `urn:whopcom:exp-proxy`, `sub` the
   * user, `aud` the app. Defaults: the mock's first user, {@link MOCK_CLIENT}'s ID, 300 s.
   */
  userToken(options?: MockUserTokenOptions): Promise<string>;
  /**
   * The options that point a `WhopAppStrategy` at this mock: the app ID its user tokens name by
   * default, its JWKS, and an API key its access check takes. Spread them last:
   * `new WhopAppStrategy({ ...yours, ...whop.appStrategyOptions() }, verify)`.
   */
  appStrategyOptions(): MockAppStrategyOptions;
  /**
   * Set what the access check (`GET /api/v1/users/{id}/access/{resource_id}`) answers for a user
   * and a resource: `admin` or `customer` have access, `no_access` (every pair never set) not.
   */
  setAccess(userID: string, resourceID: string, level: MockAccessLevel): void;
  /** How many requests went to `path`, with this `grant_type` when given. */
  requestCount(path: string, grantType?: string): number;
  /**
   * Answer an authorize URL (the one your app redirected to) as the user clicking Approve would,
   * without a browser; resolves the callback URL the mock redirects to.
   */
  approve(authorizeURL: string | URL, options?: ConsentOptions): Promise<string>;
  /** The same, clicking Deny: resolves the callback URL carrying `error=access_denied`. */
  deny(authorizeURL: string | URL): Promise<string>;
  /**
   * Leave the next `count` (default 1) requests to a token endpoint unanswered until the mock
   * closes, as a Whop that does not answer in time: they are not processed (no code spent, no
   * refresh token rotated) and not logged in {@link MockWhop.requests}. Resolves once all of
   * them have arrived, so a test knows the app is waiting on Whop.
   */
  holdTokenRequests(count?: number): Promise<void>;
  /** Stop listening and close every connection, keep-alive ones included. */
  close(): Promise<void>;
}

function checkOptions(options: MockWhopOptions): void {
  const { port = 0, tokenLifetime = 3600, now = Date.now } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError('startMockWhop requires port to be an integer from 0 to 65535');
  }
  if (!Number.isFinite(tokenLifetime) || tokenLifetime <= 0) {
    throw new TypeError('startMockWhop requires tokenLifetime to be a positive number of seconds');
  }
  if (typeof now !== 'function') throw new TypeError('startMockWhop requires now to be a function');
  const { refreshTokenReuse: reuse } = options;
  if (reuse !== undefined && reuse !== 'refuse' && reuse !== 'revoke') {
    throw new TypeError("startMockWhop requires refreshTokenReuse to be 'refuse' or 'revoke'");
  }
  if (options.users !== undefined && options.users.length === 0) {
    throw new TypeError('startMockWhop requires at least one user');
  }
}

/**
 * Start a mock of Whop's OAuth server on loopback: both of Whop's flows, with Whop's rules
 * (exact redirect URIs, single-use 5-minute codes, a second exchange revoking the connection,
 * rotating refresh tokens, PKCE in the OAuth 2.1 flow). Point `WhopStrategy`'s URL options at it.
 *
 * @example
 * ```ts
 * import { startMockWhop, MOCK_CLIENT } from 'passport-whop/testing';
 *
 * const whop = await startMockWhop();
 * const strategy = new WhopStrategy(
 *   {
 *     ...MOCK_CLIENT,
 *     callbackURL: 'http://localhost:3000/auth/whop/callback',
 *     authorizationURL: whop.authorizationURL,
 *     tokenURL: whop.tokenURL,
 *     userProfileURL: whop.userProfileURL,
 *   },
 *   async (accessToken, refreshToken, profile) => ({ id: profile.id }),
 * );
 * // ... log in, then:
 * await whop.close();
 * ```
 */
export async function startMockWhop(options: MockWhopOptions = {}): Promise<MockWhop> {
  checkOptions(options);
  const { port = 0, host = '127.0.0.1', tokenLifetime = 3600, now = Date.now } = options;
  const users = (options.users ?? [MOCK_USER]).map(checkUser);
  const clients = (
    options.clients ?? [{ ...MOCK_CLIENT, redirectURIs: [...MOCK_REDIRECT_URIS] }]
  ).map(checkClient);
  const requests: MockWhopRequest[] = [];
  const signer = await createSigner();
  const grants = new GrantStore(now, tokenLifetime * 1000, options.refreshTokenReuse);
  const { server, url } = await listen(port, host);
  const access = new AccessTable();
  const hold = new TokenHold();
  const context: MockContext = { url, clients, users, grants, access, signer, tokenLifetime, now };

  // Attached once the URL is known; no request can be read before this line runs.
  serve(server, context, hold, requests);

  let closing: Promise<void> | undefined;
  const urls = mockURLs(url);
  return {
    url,
    ...urls,
    strategyOptions: ((request?: MockStrategyOptionsRequest | MockOAuth21StrategyOptionsRequest) =>
      strategyOptions(urls, clients, request)) as MockWhop['strategyOptions'],
    clients,
    users,
    requests,
    addClient(client) {
      checkClient(client);
      const index = clients.findIndex((c) => c.clientID === client.clientID);
      if (index === -1) clients.push(client);
      else clients[index] = client;
    },
    setAccess: (userID, resourceID, level) => access.set(userID, resourceID, level),
    userToken: (tokenOptions) => userToken(context, tokenOptions),
    appStrategyOptions: () => appStrategyOptions(context),
    requestCount: (path, grantType) =>
      requests.filter(
        (r) => r.path === path && (grantType === undefined || r.grantType === grantType),
      ).length,
    approve: (authorizeURL, consentOptions) =>
      consent(url, authorizeURL, 'approve', consentOptions),
    deny: (authorizeURL) => consent(url, authorizeURL, 'deny'),
    holdTokenRequests: (count = 1) => hold.hold(count),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // close() ends idle keep-alive sockets but waits for busy ones (a browser's half-sent
        // request, say): end those too, so test processes exit at once.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

// `MockWhop#strategyOptions`: everything a WhopStrategy needs to log in against the mock, in one
// object to spread, so an app switches to the mock with one line.
import type { MockWhop } from './mock-whop.js';
import { checkClient, MOCK_CLIENT, MOCK_REDIRECT_URIS, type MockWhopClient } from './model.js';

/** What `MockWhop#strategyOptions` takes for the legacy flow. */
export interface MockStrategyOptionsRequest {
  /** The legacy flow's endpoints (the default). */
  flow?: 'legacy';
  /**
   * The app's callback URL: registered for {@link MOCK_CLIENT} (beside its port-3000 URIs), so an
   * app on any port can log in, and returned as the `callbackURL` option. Default: the default
   * client's first redirect URI, `http://localhost:3000/auth/whop/callback`.
   */
  callbackURL?: string;
}

/** What `MockWhop#strategyOptions` takes for the OAuth 2.1 flow. */
export interface MockOAuth21StrategyOptionsRequest {
  /** The OAuth 2.1 flow's endpoints. */
  flow: 'oauth2.1';
  /** As {@link MockStrategyOptionsRequest.callbackURL}. */
  callbackURL?: string;
}

/** Legacy-flow options for a `WhopStrategy`: {@link MOCK_CLIENT}'s credentials, the mock's URLs. */
export interface MockStrategyOptions {
  /** {@link MOCK_CLIENT}'s client ID. */
  readonly clientID: string;
  /** {@link MOCK_CLIENT}'s client secret (or the one registered for its ID). */
  readonly clientSecret: string;
  /** The mock's authorize page for the flow. */
  readonly authorizationURL: string;
  /** The mock's token endpoint for the flow. */
  readonly tokenURL: string;
  /** The mock's profile endpoint (`/api/v5/me`, or userinfo for OAuth 2.1). */
  readonly userProfileURL: string;
  /** The mock's REST API, where `requireAccess` and `checkAccess` ask. */
  readonly apiURL: string;
  /** The `callbackURL` passed, or the default client's first redirect URI. */
  readonly callbackURL: string;
}

/** OAuth 2.1 options for a `WhopStrategy`: the legacy ones' fields plus the ID token's and revoke's. */
export interface MockOAuth21StrategyOptions extends MockStrategyOptions {
  /** Selects the OAuth 2.1 flow. */
  readonly flow: 'oauth2.1';
  /** The mock's signing keys for ID tokens. */
  readonly jwksURL: string;
  /** The mock's issuer: its origin. */
  readonly issuer: string;
  /** The mock's revoke endpoint. */
  readonly revocationURL: string;
}

/** The mock's URLs, as `startMockWhop` builds them. */
type MockURLs = Pick<
  MockWhop,
  'apiURL' | 'authorizationURL' | 'tokenURL' | 'userProfileURL' | 'oauth21'
>;

export function strategyOptions(
  urls: MockURLs,
  clients: MockWhopClient[],
  request: MockStrategyOptionsRequest | MockOAuth21StrategyOptionsRequest = {},
): MockStrategyOptions | MockOAuth21StrategyOptions {
  const { flow = 'legacy', callbackURL } = request;
  if (flow !== 'legacy' && flow !== 'oauth2.1') {
    throw new TypeError(`MockWhop#strategyOptions requires flow to be 'legacy' or 'oauth2.1'`);
  }
  const index = clients.findIndex((c) => c.clientID === MOCK_CLIENT.clientID);
  const current = clients[index];
  const credentials = {
    clientID: MOCK_CLIENT.clientID,
    clientSecret: current?.clientSecret ?? MOCK_CLIENT.clientSecret,
  };
  if (callbackURL !== undefined) {
    if (typeof callbackURL !== 'string' || !URL.canParse(callbackURL)) {
      throw new TypeError('MockWhop#strategyOptions requires callbackURL to be an absolute URL');
    }
    const redirectURIs = current?.redirectURIs ?? [...MOCK_REDIRECT_URIS];
    const client = checkClient({ ...credentials, ...current, redirectURIs: [...redirectURIs] });
    if (!client.redirectURIs.includes(callbackURL)) client.redirectURIs.push(callbackURL);
    if (index === -1) clients.push(client);
    else clients[index] = client;
  }
  const callback = { callbackURL: callbackURL ?? MOCK_REDIRECT_URIS[0]! };
  if (flow === 'legacy') {
    const { authorizationURL, tokenURL, userProfileURL, apiURL } = urls;
    return { ...credentials, authorizationURL, tokenURL, userProfileURL, apiURL, ...callback };
  }
  const { authorizationURL, tokenURL, userInfoURL, jwksURL, issuer, revocationURL } = urls.oauth21;
  return {
    flow,
    ...credentials,
    authorizationURL,
    tokenURL,
    userProfileURL: userInfoURL,
    jwksURL,
    issuer,
    revocationURL,
    apiURL: urls.apiURL,
    ...callback,
  };
}

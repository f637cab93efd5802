// Embedded apps against the mock: user tokens as Whop's proxy adds them (`x-whop-user-token`),
// signed with the mock's key (the one its JWKS serves), and the options that point a
// WhopAppStrategy at the mock.
import { MOCK_CLIENT, type MockContext } from './model.js';

/** The issuer of Whop's user tokens (its proxy in front of embedded apps), which the mock uses too. */
export const MOCK_USER_TOKEN_ISSUER = 'urn:whopcom:exp-proxy';
const APP_ID = /^app_[A-Za-z0-9_]+$/;

/** What `MockWhop#userToken` mints. */
export interface MockUserTokenOptions {
  /** The token's `sub`: the user's ID (default: the mock's first user's). */
  userId?: string;
  /** The token's `aud`: the app's ID (default {@link MOCK_CLIENT}'s, `app_mock_client`). */
  appId?: string;
  /**
   * Seconds from the mock's clock to `exp` (default 300). Zero or less mints a token that has
   * already expired.
   */
  expiresIn?: number;
}

/** Options for a `WhopAppStrategy` that point it at the mock. */
export interface MockAppStrategyOptions {
  /** {@link MOCK_CLIENT}'s ID: the audience of the mock's user tokens by default. */
  readonly appId: string;
  /** The mock's signing keys: `${url}/.well-known/jwks.json`. */
  readonly jwksURL: string;
  /** The app's API key: {@link MOCK_CLIENT}'s secret (or the one registered for its ID). */
  readonly apiKey: string;
  /** The mock's REST API, where access is checked with the API key. */
  readonly apiURL: string;
}

/** A user token for `options`, signed with the mock's key. */
export async function userToken(
  context: MockContext,
  options: MockUserTokenOptions = {},
): Promise<string> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('MockWhop#userToken requires an options object or none');
  const { userId = context.users[0]!.id, appId = MOCK_CLIENT.clientID, expiresIn = 300 } = options;
  if (typeof userId !== 'string' || userId === '')
    throw new TypeError("MockWhop#userToken requires userId to be a user's ID (user_...)");
  if (typeof appId !== 'string' || !APP_ID.test(appId))
    throw new TypeError("MockWhop#userToken requires appId to be an app's ID (app_...)");
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn))
    throw new TypeError('MockWhop#userToken requires expiresIn to be a number of seconds');
  const iat = Math.floor(context.now() / 1000);
  const claims = { iss: MOCK_USER_TOKEN_ISSUER, sub: userId, aud: appId };
  return context.signer.sign(claims, iat, expiresIn);
}

/** {@link MockAppStrategyOptions} for the mock at `url`. */
export function appStrategyOptions(context: MockContext): MockAppStrategyOptions {
  const registered = context.clients.find((c) => c.clientID === MOCK_CLIENT.clientID);
  return {
    appId: MOCK_CLIENT.clientID,
    jwksURL: `${context.url}/.well-known/jwks.json`,
    apiKey: registered?.clientSecret ?? MOCK_CLIENT.clientSecret,
    apiURL: `${context.url}/api/v1`,
  };
}

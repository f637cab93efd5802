import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccessTable } from './access.js';
import type { GrantStore } from './grants.js';
import type { Signer } from './keys.js';
import { MockError } from './wire.js';

/** A Whop user the mock can sign in, shaped as Whop's `GET /api/v5/me` answers (`MeUser`). */
export interface MockWhopUser {
  /** `user_...`: the profile's `id`, the id_token's and userinfo's `sub`. */
  id: string;
  /** The profile's `username`, userinfo's `preferred_username`. */
  username: string;
  /** The profile's `name` (and `displayName`). */
  name?: string;
  /** Whop may answer `null` here; leave it out to omit the field. */
  email?: string | null;
  /** The profile picture's URL (userinfo's `picture`). */
  profile_pic_url?: string;
  /** Userinfo's `email_verified` (OAuth 2.1 flow), default `false`. */
  email_verified?: boolean;
}

/** An app registered with the mock, as on Whop's developer dashboard. */
export interface MockWhopClient {
  /** The app's client ID (`app_...`). */
  clientID: string;
  /** Required for confidential clients (the default type), absent for public ones. */
  clientSecret?: string;
  /** The exact redirect URIs the app may use; anything else is refused at authorize. */
  redirectURIs: string[];
  /** `public` clients send no secret (OAuth 2.1 flow with PKCE only). Default `confidential`. */
  type?: 'confidential' | 'public';
  /** The app name on the consent page (default: the client ID). */
  name?: string;
}

/** The default client's credentials; it is registered when `startMockWhop` is given no `clients`. */
export const MOCK_CLIENT = {
  /** `app_mock_client` */
  clientID: 'app_mock_client',
  /** `mock_client_secret` */
  clientSecret: 'mock_client_secret',
} as const;

/** The redirect URIs the default client is registered with: a local app on port 3000. */
export const MOCK_REDIRECT_URIS: readonly string[] = [
  'http://localhost:3000/auth/whop/callback',
  'http://127.0.0.1:3000/auth/whop/callback',
];

// An inline picture, so pages showing the profile load nothing from another host.
const AVATAR_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">' +
  '<rect width="96" height="96" rx="48" fill="#ff6243"/>' +
  '<text x="48" y="60" font-family="sans-serif" font-size="40" font-weight="700" ' +
  'text-anchor="middle" fill="#fff">MU</text></svg>';

/** The default user, the only one when `startMockWhop` is given no `users`. */
export const MOCK_USER: MockWhopUser = Object.freeze({
  id: 'user_mock_1',
  username: 'mockuser',
  name: 'Mock User',
  email: 'mock.user@example.com',
  profile_pic_url: `data:image/svg+xml,${encodeURIComponent(AVATAR_SVG)}`,
  email_verified: true,
});

/** What every route of the mock works with. */
export interface MockContext {
  /** The mock's origin, the OAuth 2.1 issuer. */
  readonly url: string;
  readonly clients: MockWhopClient[];
  readonly users: MockWhopUser[];
  readonly grants: GrantStore;
  /** The access levels `MockWhop#setAccess` set. */
  readonly access: AccessTable;
  readonly signer: Signer;
  /** Seconds. */
  readonly tokenLifetime: number;
  readonly now: () => number;
}

/** A company ID, as Whop's `scope` (legacy flow) and `company_id` (OAuth 2.1 flow) take it. */
export const COMPANY_ID = /^biz_[A-Za-z0-9]+$/;

/** A registration the mock can work with, or a `TypeError` that says what is wrong. */
export function checkClient(client: MockWhopClient): MockWhopClient {
  const where = `MockWhop client ${JSON.stringify(client?.clientID)}`;
  if (typeof client?.clientID !== 'string' || client.clientID === '') {
    throw new TypeError('MockWhop requires each client to have a clientID');
  }
  if (client.type !== undefined && client.type !== 'public' && client.type !== 'confidential') {
    throw new TypeError(`${where} has an unknown type`);
  }
  const isPublic = client.type === 'public';
  if (!isPublic && (typeof client.clientSecret !== 'string' || client.clientSecret === '')) {
    throw new TypeError(`${where} requires a clientSecret (or type: 'public')`);
  }
  if (!Array.isArray(client.redirectURIs) || client.redirectURIs.length === 0) {
    throw new TypeError(`${where} requires at least one redirect URI`);
  }
  for (const uri of client.redirectURIs) {
    // RFC 6749 3.1.2: an absolute URI without a fragment.
    if (!URL.canParse(uri) || new URL(uri).hash !== '' || uri.includes('#')) {
      throw new TypeError(`${where} has a redirect URI that is not an absolute URL: ${uri}`);
    }
  }
  return client;
}

/** A user the mock can serve, or a `TypeError`. */
export function checkUser(user: MockWhopUser): MockWhopUser {
  if (typeof user?.id !== 'string' || user.id === '' || typeof user.username !== 'string') {
    throw new TypeError('MockWhop requires each user to have an id and a username');
  }
  return user;
}

/** Compare without leaking through timing where the two first differ. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The app whose API key `token` is: Whop's apps have one secret key, the legacy flow's client
 * secret and the bearer of the app's API calls; the mock takes a confidential client's secret.
 */
export function appOfApiKey(
  clients: readonly MockWhopClient[],
  token: string,
): MockWhopClient | undefined {
  return clients.find((c) => c.clientSecret !== undefined && sameSecret(token, c.clientSecret));
}

/**
 * The client a token or revoke request authenticates as, from `client_id` and `client_secret` in
 * the form (Whop takes them in the body, not HTTP Basic). `requireSecret` is the legacy flow's
 * rule; in the OAuth 2.1 flow only confidential clients need one.
 */
export function authenticateClient(
  clients: readonly MockWhopClient[],
  clientID: string | undefined,
  clientSecret: string | undefined,
  requireSecret: boolean,
): MockWhopClient {
  if (clientID === undefined) throw new MockError(400, 'invalid_request', 'client_id is required');
  const client = clients.find((c) => c.clientID === clientID);
  const needsSecret = requireSecret || client?.type !== 'public';
  const secretOK =
    !needsSecret ||
    (clientSecret !== undefined &&
      client?.clientSecret !== undefined &&
      sameSecret(clientSecret, client.clientSecret));
  if (client === undefined || !secretOK) {
    throw new MockError(401, 'invalid_client', 'Client authentication failed');
  }
  return client;
}

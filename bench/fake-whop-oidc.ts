// The fake Whop's OAuth 2.1 / OpenID Connect side: a discovery document, an ES256 key published
// as a JWKS, a token endpoint that checks PKCE and answers with an ID token signed for the
// login's nonce, and userinfo. What the three OAuth 2.1 apps need, at the cost of the fewest
// CPU cycles in this (shared) server process: node:crypto, answers built once where they can be.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import {
  DISCOVERY_PATH,
  JWKS_PATH,
  OIDC_AUTHORIZE_PATH,
  OIDC_TOKEN_PATH,
  USERINFO_PATH,
} from './paths.js';

export const BENCH_CLIENT_ID = 'app_bench';
export const BENCH_USER_ID = 'user_Bench0001';
const KID = 'bench-es256';

/**
 * A code as the fake Whop hands it out, with what its authorize request carried. The load
 * client never requests the authorize page (it would cost every app alike and measure nothing
 * of theirs): it makes the code itself from the redirect's `Location`, putting the `nonce` and
 * `code_challenge` in it, so the token endpoint can check the verifier and sign the ID token for
 * the nonce as Whop would.
 */
export function codeFor(authorizeURL: URL, unique: string): string {
  const nonce = authorizeURL.searchParams.get('nonce');
  const challenge = authorizeURL.searchParams.get('code_challenge');
  if (nonce === null && challenge === null) return unique;
  if (!nonce || !challenge)
    throw new Error('the OAuth 2.1 redirect lacks a nonce or a PKCE challenge');
  if (authorizeURL.searchParams.get('code_challenge_method') !== 'S256')
    throw new Error('the OAuth 2.1 redirect asks for PKCE without S256');
  return `${unique}.${nonce}.${challenge}`;
}

/** A token endpoint's error answer. */
export class TokenRefusal extends Error {}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export class FakeOpenIDProvider {
  private readonly key: KeyObject;
  private readonly header = base64url(JSON.stringify({ alg: 'ES256', kid: KID, typ: 'JWT' }));
  /** The JWKS and discovery answers, built once. */
  readonly jwks: string;
  readonly discovery: string;
  readonly userinfo = JSON.stringify({
    sub: BENCH_USER_ID,
    preferred_username: 'bench',
    name: 'Bench User',
    email: 'bench@example.com',
    email_verified: true,
    picture: 'https://assets.whop.com/avatars/bench.png',
  });

  constructor(readonly issuer: string) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.key = privateKey;
    this.jwks = JSON.stringify({
      keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'ES256', use: 'sig' }],
    });
    this.discovery = JSON.stringify({
      issuer,
      authorization_endpoint: `${issuer}${OIDC_AUTHORIZE_PATH}`,
      token_endpoint: `${issuer}${OIDC_TOKEN_PATH}`,
      userinfo_endpoint: `${issuer}${USERINFO_PATH}`,
      jwks_uri: `${issuer}${JWKS_PATH}`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'none'],
      scopes_supported: ['openid', 'profile', 'email'],
    });
  }

  /** Paths it answers GETs on, and the answer. */
  answerGet(path: string): string | undefined {
    if (path === JWKS_PATH) return this.jwks;
    if (path === DISCOVERY_PATH) return this.discovery;
    return undefined;
  }

  /**
   * The answer to an authorization code grant: checked as Whop checks it (the client, the
   * redirect URI's presence, the PKCE verifier against the challenge), with an ID token for the
   * code's nonce. Throws a TokenRefusal for a request Whop would refuse.
   */
  exchange(form: URLSearchParams, newToken: () => string): string {
    const [unique, nonce, challenge] = (form.get('code') ?? '').split('.');
    const verifier = form.get('code_verifier');
    if (!unique || !nonce || !challenge) throw new TokenRefusal('the code carries no login');
    if (form.get('grant_type') !== 'authorization_code') throw new TokenRefusal('grant_type');
    if (form.get('client_id') !== BENCH_CLIENT_ID) throw new TokenRefusal('client_id');
    if (!form.get('redirect_uri')) throw new TokenRefusal('no redirect_uri');
    if (!verifier || createHash('sha256').update(verifier).digest('base64url') !== challenge)
      throw new TokenRefusal('the PKCE verifier does not match the challenge');
    return JSON.stringify({
      access_token: newToken(),
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: newToken(),
      scope: 'openid profile email',
      id_token: this.idToken(nonce),
    });
  }

  private idToken(nonce: string): string {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: this.issuer,
      sub: BENCH_USER_ID,
      aud: BENCH_CLIENT_ID,
      iat: now,
      exp: now + 3600,
      nonce,
    };
    const input = `${this.header}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: this.key,
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${signature.toString('base64url')}`;
  }
}

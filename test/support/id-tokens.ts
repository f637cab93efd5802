import {
  exportJWK,
  generateKeyPair,
  generateSecret,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';

/** A locally generated key, ES256 unless said (Whop's reported id_token algorithm), and its JWK. */
export interface TestKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

/** An ES256 or RS256 key pair; for HS256 a secret, published as an `oct` JWK (as no JWKS should). */
export async function createKey(
  kid: string,
  alg: 'ES256' | 'RS256' | 'HS256' = 'ES256',
): Promise<TestKey> {
  if (alg === 'HS256') {
    const secret = await generateSecret(alg, { extractable: true });
    return { kid, alg, privateKey: secret, jwk: { ...(await exportJWK(secret)), kid, alg } };
  }
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, jwk };
}

/** A JWKS body as Whop serves one at `/.well-known/jwks.json`. */
export function jwksOf(...keys: TestKey[]): { keys: JWK[] } {
  return { keys: keys.map((key) => key.jwk) };
}

export interface IdTokenOptions {
  /** The key to sign with (default: the one passed first). */
  readonly key: TestKey;
  /** The `kid` header (default: the key's). */
  readonly kid?: string;
  /** Seconds from now to `exp` (default 3600; negative: already expired; null: no `exp`). */
  readonly expiresIn?: number | null;
  /** Seconds from now to `iat` (default -5; null: no `iat`). */
  readonly issuedIn?: number | null;
  /** The `typ` header (default `JWT`). */
  readonly typ?: string;
}

/** Sign an ID token with Whop's claims (for client `app_test`): `iss`, `aud`, `sub`, `iat`, `exp`, plus `claims`. */
export function signIdToken(
  claims: Record<string, unknown>,
  options: IdTokenOptions,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { issuedIn = -5, expiresIn = 3600, typ = 'JWT' } = options;
  const jwt = new SignJWT({
    iss: 'https://api.whop.com',
    aud: 'app_test',
    sub: 'user_xxxxxxxxxxxxx',
    ...claims,
  }).setProtectedHeader({ alg: options.key.alg, kid: options.kid ?? options.key.kid, typ });
  if (issuedIn !== null) jwt.setIssuedAt(now + issuedIn);
  if (expiresIn !== null) jwt.setExpirationTime(now + expiresIn);
  return jwt.sign(options.key.privateKey);
}

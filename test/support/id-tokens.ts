import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A locally generated ES256 key (Whop's reported id_token algorithm), and its public JWK. */
export interface TestKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

export async function createKey(kid: string): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, jwk };
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
  /** Seconds from now to `exp` (default 3600; negative: already expired). */
  readonly expiresIn?: number;
}

/** Sign an ID token with Whop's claims (for client `app_test`): `iss`, `aud`, `sub`, `iat`, `exp`, plus `claims`. */
export function signIdToken(
  claims: Record<string, unknown>,
  options: IdTokenOptions,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: 'https://api.whop.com',
    aud: 'app_test',
    sub: 'user_xxxxxxxxxxxxx',
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? options.key.kid, typ: 'JWT' })
    .setIssuedAt(now - 5)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(options.key.privateKey);
}

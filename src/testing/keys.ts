import type { JWK } from 'jose';

/** The mock's id_token key: generated at start, published at `/.well-known/jwks.json`. */
export interface Signer {
  /** The public key as a JWK, with `kid`, `alg` and `use`. */
  readonly jwk: JWK;
  /** A signed ES256 JWT; `iat` and `exp` come from the mock's clock. */
  sign(
    claims: Record<string, unknown>,
    iatSeconds: number,
    lifetimeSeconds: number,
  ): Promise<string>;
}

/** Whop's id_tokens are reported as ES256; the mock signs with that and nothing else. */
export const ID_TOKEN_ALG = 'ES256';

export async function createSigner(): Promise<Signer> {
  // jose is ES modules only: imported here, not at the top, so that the CommonJS build never
  // `require`s it. Under Yarn PnP a `require` of an ES module inside a zip fails, and on Node
  // 20.19+ it would load jose for every app that only imports the mock's constants.
  const { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } = await import('jose');
  const { publicKey, privateKey } = await generateKeyPair(ID_TOKEN_ALG);
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported);
  const jwk: JWK = { ...exported, kid, alg: ID_TOKEN_ALG, use: 'sig' };
  return {
    jwk,
    sign: (claims, iat, lifetime) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: ID_TOKEN_ALG, kid, typ: 'JWT' })
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .sign(privateKey),
  };
}

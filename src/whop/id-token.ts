import type { JWTPayload, RemoteJWKSet } from 'jose';
import { InternalOAuthError } from 'passport-oauth2';
import type { Deadline } from '../flow/deadline.js';
import { ID_TOKEN_INVALID } from './error-codes.js';
import { internalError } from './errors.js';
import type { HttpSettings } from './http.js';
import { loadJose, remoteKeys } from './jwks.js';

/** How long Whop's keys are trusted before they are fetched again (an unknown `kid` refetches sooner). */
const JWKS_MAX_AGE_MS = 10 * 60 * 1000;
/** OpenID Connect Core 2: `iss` and `aud` are checked by name; `exp`, `iat` and `sub` must be there. */
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub'];
/** How far in the future an ID token's `iat` may be (clock skew), in seconds. */
const IAT_LEEWAY_S = 60;
/**
 * Whop signs ID tokens with ES256 and nothing else. Anything else is refused before a key is looked
 * up: a JWKS that ever listed an RSA or symmetric key must not let a token signed some other way in.
 */
const ALGORITHMS = ['ES256'];

type Jose = typeof import('jose');

// jose's JWTPayload, declared here: jose is ES modules only, and a CommonJS declaration file that
// imports its types fails a `module: node16` consumer with TS1479.
/** The claims of a verified ID token, as `params.id_token_claims` (`sub` is Whop's user ID). */
export interface IdTokenClaims {
  /** Issuer: Whop's API origin (checked). */
  readonly iss?: string;
  /** Subject: Whop's user ID (checked present). */
  readonly sub?: string;
  /** Audience: the app's client ID (checked). */
  readonly aud?: string | readonly string[];
  /** JWT ID. */
  readonly jti?: string;
  /** Not before, in seconds since the epoch. */
  readonly nbf?: number;
  /** Expiry, in seconds since the epoch (checked). */
  readonly exp?: number;
  /** Issued at, in seconds since the epoch (checked: present, not over a minute ahead). */
  readonly iat?: number;
  /** Authorized party: when present (required with several audiences), the app's client ID (checked). */
  readonly azp?: string;
  /** Any other claim, such as `nonce` (checked), `email` or `name`. */
  readonly [claim: string]: unknown;
}

export interface IdTokenSettings {
  readonly jwksURL: string;
  /** The expected `iss`. */
  readonly issuer: string;
  /** The expected `aud`: the app's client ID. */
  readonly clientID: string;
  readonly http: HttpSettings;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Verifies Whop's ID tokens. One per strategy: it holds one JWKS, fetched when first needed
 * (through this package's HTTP client: its timeout, size cap and agent), shared by
 * concurrent logins, and kept for 10 minutes.
 *
 * @internal
 */
export class IdTokenVerifier {
  private jwks: Promise<RemoteJWKSet> | undefined;

  constructor(private readonly settings: IdTokenSettings) {}

  /** The strategy's one JWKS, created on first use. */
  private keys(): Promise<RemoteJWKSet> {
    this.jwks ??= remoteKeys({ ...this.settings, cacheMaxAge: JWKS_MAX_AGE_MS });
    return this.jwks;
  }

  /**
   * The claims of `idToken` once its signature, `iss`, `aud` (and `azp`), `exp`, `iat`, `nonce`
   * and `typ` (not `at+jwt`) check out.
   * Rejects with an `InternalOAuthError` 'Failed to verify the ID token: <which check>', or
   * 'Failed to fetch Whop's signing keys: ...' when the JWKS cannot be had. Within a login's
   * `deadline`: the keys are shared by every login, so a login whose time is up stops waiting
   * for them (step `jwks`) without ending their fetch for the others.
   */
  async verify(
    idToken: string,
    nonce: string | undefined,
    deadline?: Deadline,
  ): Promise<IdTokenClaims> {
    const { jwtVerify, errors } = await loadJose();
    let payload: JWTPayload;
    let typ: unknown;
    try {
      const keys = await this.keys();
      const verifying = jwtVerify(idToken, keys, {
        issuer: this.settings.issuer,
        audience: this.settings.clientID,
        requiredClaims: REQUIRED_CLAIMS,
        algorithms: ALGORITHMS,
      });
      // Keys not yet fetched (or stale) are what a verification waits for.
      ({
        payload,
        protectedHeader: { typ },
      } = await (deadline ? deadline.run(keys.fresh ? 'id_token' : 'jwks', verifying) : verifying));
    } catch (error) {
      if (error instanceof InternalOAuthError) throw error;
      throw internalError(ID_TOKEN_INVALID, 'id_token', describe(error, errors), { cause: error });
    }
    const wrong = this.wrongClaim(payload, typ);
    if (wrong !== undefined) throw internalError(ID_TOKEN_INVALID, 'id_token', wrong);
    // The nonce binds the token to the login this browser started: a token from another login
    // (replayed or injected) carries another one.
    if (nonce === undefined)
      throw internalError(
        ID_TOKEN_INVALID,
        'id_token',
        'no nonce was recorded for this login (the state store did not return the state it was given)',
      );
    if (payload.nonce !== nonce)
      throw internalError(ID_TOKEN_INVALID, 'id_token', 'nonce mismatch');
    return Object.freeze(payload);
  }

  /** The checks jose leaves to the caller (OpenID Connect Core 3.1.3.7, RFC 9068), failed; or undefined. */
  private wrongClaim(payload: JWTPayload, typ: unknown): string | undefined {
    // RFC 9068's access tokens are JWTs from the same issuer and keys: never one as an ID token.
    if (typeof typ === 'string' && /^(?:application\/)?at\+jwt$/i.test(typ))
      return 'the token is an access token (typ at+jwt), not an ID token';
    const { clientID } = this.settings;
    // Several audiences: the one the token was issued to (azp) must be this app.
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp === undefined)
      return 'the token has several audiences and no "azp" claim';
    if (payload.azp !== undefined && payload.azp !== clientID)
      return 'unexpected "azp" claim value (the token was issued to another client)';
    if (payload.iat! > Date.now() / 1000 + IAT_LEEWAY_S)
      return `issued in the future ("iat" more than ${IAT_LEEWAY_S} s ahead of this clock)`;
    return undefined;
  }
}

/** Why a login whose userinfo names another user than its ID token fails. */
export const SUB_MISMATCH =
  "the profile's user (sub) is not the ID token's (OpenID Connect Core 5.3.2)";

/**
 * OpenID Connect Core 5.3.2: the userinfo's `sub` MUST equal the ID token's, or the answer is
 * not about the user who logged in. True when there is no ID token, or no profile, to compare.
 */
export function sameUser(
  claims: IdTokenClaims | undefined,
  profile: { readonly id: string } | undefined,
): boolean {
  return claims === undefined || profile === undefined || profile.id === claims.sub;
}

/** Which check failed, in words; jose's messages name the claim and never quote the token. */
function describe(error: unknown, errors: Jose['errors']): string {
  if (error instanceof errors.JOSEAlgNotAllowed) return 'not signed with ES256';
  if (error instanceof errors.JWTExpired) return `expired (${error.message})`;
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'signature verification failed';
  if (error instanceof errors.JWKSNoMatchingKey)
    return "no key in Whop's JWKS matches the token's kid and alg";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return `malformed token (${error.message})`;
  return error instanceof Error ? error.message : String(error);
}

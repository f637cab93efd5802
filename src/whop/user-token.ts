// The user token Whop's proxy adds to every request an embedded app's iframe makes to the app's
// origin (`x-whop-user-token`), checked by the rules of Whop's own SDKs (`@whop/sdk`
// `verifyUserToken`; the Python and Ruby SDKs agree): ES256 only, issuer
// `urn:whopcom:exp-proxy`, one audience (the app's ID), a subject (the user's ID), an expiry.
import type { JWTPayload, JWTVerifyOptions, RemoteJWKSet } from 'jose';
import { InternalOAuthError } from 'passport-oauth2';
import { INVALID_RESPONSE, TIMED_OUT } from './error-codes.js';
import { internalError } from './errors.js';
import type { HttpSettings } from './http.js';
import { loadJose, remoteKeys } from './jwks.js';

/** Whop's JWKS, for user tokens as for OAuth 2.1's ID tokens. */
export const USER_TOKEN_JWKS_URL = 'https://api.whop.com/.well-known/jwks.json';
/** The issuer of Whop's user tokens: its proxy in front of embedded apps. */
export const USER_TOKEN_ISSUER = 'urn:whopcom:exp-proxy';
/** How long the keys are used before they are fetched again: 12 hours, as Whop's SDK keeps them. */
export const USER_TOKEN_JWKS_MAX_AGE_MS = 12 * 60 * 60 * 1000;
/** How long after a fetch an unknown `kid` may not fetch the keys again: 30 s, as Whop's SDK. */
export const USER_TOKEN_JWKS_COOLDOWN_MS = 30 * 1000;
/** No user token is longer; a longer header is refused before any parsing. */
export const MAX_USER_TOKEN_LENGTH = 8192;

// The codes of a refused user token, one per rule (`fail` info's `code`).
/** No user token in the request (neither the header nor the cookie). */
export const USER_TOKEN_MISSING = 'WHOP_USER_TOKEN_MISSING';
/** Not a JWT at all: not three base64url parts, not JSON, too long, or several tokens. */
export const USER_TOKEN_MALFORMED = 'WHOP_USER_TOKEN_MALFORMED';
/** Signed with an algorithm other than ES256 (or none). */
export const USER_TOKEN_ALGORITHM = 'WHOP_USER_TOKEN_ALGORITHM';
/** The signature does not verify with any of Whop's keys (or no key has the token's `kid`). */
export const USER_TOKEN_SIGNATURE = 'WHOP_USER_TOKEN_SIGNATURE';
/** `iss` missing or not Whop's proxy (an OAuth 2.1 ID token, say). */
export const USER_TOKEN_ISSUER_INVALID = 'WHOP_USER_TOKEN_ISSUER';
/** `aud` missing, another app's ID, or a list. */
export const USER_TOKEN_AUDIENCE = 'WHOP_USER_TOKEN_AUDIENCE';
/** `exp` has passed. */
export const USER_TOKEN_EXPIRED = 'WHOP_USER_TOKEN_EXPIRED';
/** No `exp` (or not a number): a token that never expires is not accepted. */
export const USER_TOKEN_NO_EXPIRY = 'WHOP_USER_TOKEN_NO_EXPIRY';
/** No `sub` (or not a non-empty string): the token names no user. */
export const USER_TOKEN_NO_SUBJECT = 'WHOP_USER_TOKEN_NO_SUBJECT';
/** `nbf` is still in the future, or another time claim is not a number. */
export const USER_TOKEN_NOT_YET_VALID = 'WHOP_USER_TOKEN_NOT_YET_VALID';

/** A user token that breaks one of the rules: the request fails with 401 and this `code`. */
export class UserTokenRefused extends Error {
  /** One of the `USER_TOKEN_*` codes. */
  readonly code: string;
  /** The HTTP status the request fails with. */
  readonly status = 401;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'UserTokenRefused';
    this.code = code;
  }
}

// jose's JWTPayload, declared here rather than extended: jose is ES modules only, and a CommonJS
// declaration file that imports its types fails a `module: node16` app with TS1479 (the tarball
// test type-checks one). For the same reason no public member below names a jose type.
/** The claims of a verified user token (`sub` the user's ID, `aud` the app's). */
export interface UserTokenClaims {
  /** Issuer: Whop's proxy, `urn:whopcom:exp-proxy` (checked). */
  readonly iss: string;
  /** Subject: the user's Whop ID (checked present). */
  readonly sub: string;
  /** Audience: the app's ID (checked). */
  readonly aud: string;
  /** Expiry, in seconds since the epoch (checked). */
  readonly exp: number;
  /** Not before, in seconds since the epoch (checked when present). */
  readonly nbf?: number;
  /** Issued at, in seconds since the epoch. */
  readonly iat?: number;
  /** JWT ID. */
  readonly jti?: string;
  /** Any other claim Whop puts in the token. */
  readonly [claim: string]: unknown;
}

/** What a {@link UserTokenVerifier} checks against. */
export interface UserTokenSettings {
  readonly appId: string;
  readonly jwksURL: string;
  readonly issuer: string;
  readonly http: HttpSettings;
  readonly headers?: Readonly<Record<string, string>>;
  /** Tests shorten it; apps keep Whop's 30 s. */
  readonly cooldownDuration?: number;
}

type Jose = typeof import('jose');

/**
 * Verifies user tokens for one app. One per strategy: it holds one key set, fetched when the
 * first token comes, shared by concurrent requests, kept 12 hours, fetched again at most once
 * per 30 s for a token whose `kid` it does not know.
 *
 * @internal
 */
export class UserTokenVerifier {
  private jwks: Promise<RemoteJWKSet> | undefined;
  private readonly options: JWTVerifyOptions;

  constructor(private readonly settings: UserTokenSettings) {
    this.options = {
      algorithms: ['ES256'],
      issuer: settings.issuer,
      audience: settings.appId,
      requiredClaims: ['exp', 'sub'],
    };
  }

  /** The key set, created on first use. */
  private keys(): Promise<RemoteJWKSet> {
    this.jwks ??= remoteKeys({
      ...this.settings,
      cacheMaxAge: USER_TOKEN_JWKS_MAX_AGE_MS,
      cooldownDuration: this.settings.cooldownDuration ?? USER_TOKEN_JWKS_COOLDOWN_MS,
    });
    return this.jwks;
  }

  /**
   * The claims of `token` once every rule holds. Rejects with a {@link UserTokenRefused} naming
   * the rule, or an `InternalOAuthError` (step `jwks`) when Whop's keys cannot be had. No error
   * quotes the token.
   */
  async verify(token: string): Promise<UserTokenClaims> {
    if (token.length > MAX_USER_TOKEN_LENGTH)
      throw new UserTokenRefused(
        USER_TOKEN_MALFORMED,
        `The Whop user token is malformed: longer than ${MAX_USER_TOKEN_LENGTH} characters`,
      );
    const jose = await loadJose();
    let payload: JWTPayload;
    try {
      ({ payload } = await this.verifyWithKeys(jose, token, await this.keys()));
    } catch (error) {
      throw refusalOf(error, jose.errors, this.settings.issuer);
    }
    // jose takes an audience list that holds the app; Whop's tokens name exactly one app.
    if (typeof payload.aud !== 'string')
      throw new UserTokenRefused(
        USER_TOKEN_AUDIENCE,
        `The Whop user token's audience is a list, not this app's ID ${this.settings.appId}`,
      );
    if (typeof payload.sub !== 'string' || payload.sub === '')
      throw new UserTokenRefused(
        USER_TOKEN_NO_SUBJECT,
        "The Whop user token names no user: its sub is not a user's ID",
      );
    return Object.freeze(payload) as UserTokenClaims;
  }

  /**
   * jwtVerify against the key set; a token without `kid` matches every ES256 key, and jose then
   * leaves trying each of them to the caller (old Whop tokens carry no `kid`).
   */
  private async verifyWithKeys(jose: Jose, token: string, keys: RemoteJWKSet) {
    try {
      return await jose.jwtVerify(token, keys, this.options);
    } catch (error) {
      if (!(error instanceof jose.errors.JWKSMultipleMatchingKeys)) throw error;
      for await (const key of error) {
        try {
          return await jose.jwtVerify(token, key, this.options);
        } catch (failed) {
          if (!(failed instanceof jose.errors.JWSSignatureVerificationFailed)) throw failed;
        }
      }
      throw new jose.errors.JWSSignatureVerificationFailed();
    }
  }
}

/** The rule `error` (jose's) says the token broke; errors about Whop's keys are passed on. */
function refusalOf(error: unknown, errors: Jose['errors'], issuer: string): Error {
  if (error instanceof InternalOAuthError) return error;
  const refused = (code: string, why: string) =>
    new UserTokenRefused(code, `The Whop user token ${why}`);
  if (error instanceof errors.JWKSTimeout)
    return internalError(TIMED_OUT, 'jwks', 'timed out', { cause: error });
  if (error instanceof errors.JWKSInvalid)
    return internalError(INVALID_RESPONSE, 'jwks', `the key set is not usable (${error.message})`, {
      cause: error,
    });
  if (error instanceof errors.JOSEAlgNotAllowed)
    return refused(USER_TOKEN_ALGORITHM, 'is not signed with ES256');
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return refused(USER_TOKEN_SIGNATURE, "has a signature that none of Whop's keys verifies");
  if (error instanceof errors.JWKSNoMatchingKey)
    return refused(USER_TOKEN_SIGNATURE, "names a key (kid) that is not among Whop's keys");
  if (error instanceof errors.JWTExpired)
    return refused(USER_TOKEN_EXPIRED, 'has expired (its exp has passed)');
  if (error instanceof errors.JWTClaimValidationFailed) return claimRefusal(error, issuer);
  // Not a token Whop's proxy made: not three parts, not JSON, an unknown "crit". jose's messages
  // describe the structure and never quote the token.
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  )
    return refused(USER_TOKEN_MALFORMED, `is malformed (${error.message})`);
  // Anything else is about the keys (a key set that is not JSON, say), not the token.
  return internalError(
    INVALID_RESPONSE,
    'jwks',
    error instanceof Error ? error.message : String(error),
    {
      cause: error,
    },
  );
}

function claimRefusal(error: { claim: string; reason: string }, issuer: string): UserTokenRefused {
  switch (error.claim) {
    case 'iss':
      return new UserTokenRefused(
        USER_TOKEN_ISSUER_INVALID,
        `The Whop user token was not issued by Whop's proxy (its iss must be ${issuer})`,
      );
    case 'aud':
      return new UserTokenRefused(
        USER_TOKEN_AUDIENCE,
        "The Whop user token is not for this app (its aud must be this app's ID)",
      );
    case 'exp':
      return new UserTokenRefused(
        USER_TOKEN_NO_EXPIRY,
        'The Whop user token has no expiry: its exp claim is missing or not a number',
      );
    case 'sub':
      return new UserTokenRefused(
        USER_TOKEN_NO_SUBJECT,
        'The Whop user token names no user: its sub claim is missing',
      );
    default:
      return new UserTokenRefused(
        USER_TOKEN_NOT_YET_VALID,
        `The Whop user token is not valid now (its ${error.claim} claim: ${error.reason})`,
      );
  }
}

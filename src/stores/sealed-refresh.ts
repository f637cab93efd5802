// What one process's refresh leaves in Redis for the others: the new tokens, or the error, sealed
// (AES-256-GCM) under a key only holders of the old refresh token can derive. Redis sees the
// token's HKDF-derived ID, never the token, and never a usable token in clear.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { InternalOAuthError, TokenError } from 'passport-oauth2';
import type { WhopTokens } from '../refresh.js';

/** The Redis ID of a refresh (token and company) and the key its result is sealed under. */
export interface RefreshSecrets {
  /** Hex; stands for the refresh token and the company in Redis keys. */
  readonly id: string;
  /** The AES-256-GCM key. */
  readonly key: Buffer;
}

// HKDF (RFC 5869) with SHA-256: the refresh token is the input keying material, and the two
// outputs are independent, so the ID in the key name says nothing about the sealing key.
const SALT = 'passport-whop refresh lock';

/** The ID and key of a refresh: both derived from the refresh token, the ID also from the company. */
export function refreshSecrets(refreshToken: string, scope: string | undefined): RefreshSecrets {
  const derived = Buffer.from(
    hkdfSync('sha256', refreshToken, SALT, `id and key, company ${scope ?? '-'}`, 48),
  );
  return { id: derived.subarray(0, 16).toString('hex'), key: derived.subarray(16) };
}

/** An error as another process reads it: its class, and the fields an app branches on. */
interface SharedError {
  readonly kind: 'token' | 'internal';
  readonly message: string;
  readonly code?: string;
  readonly uri?: string;
  readonly status?: number;
  readonly retryAfter?: number;
}

/** What is sealed: the tokens, or the error. */
type Outcome = { readonly tokens: WhopTokens } | { readonly error: SharedError };

/** Whether a sealed value holds tokens (`ok`) or an error (`err`): readable without the key. */
export type SealedKind = 'ok' | 'err';

/** The message an error of unknown class is shared with: its own might say anything. */
const UNKNOWN_ERROR = 'Failed to refresh access token: the refresh failed in another process';

function optional(value: unknown, type: 'string' | 'number'): unknown {
  return typeof value === type ? value : undefined;
}

/** The fields of `error` another process may see (all of them already scrubbed of secrets). */
function shareable(error: unknown): SharedError {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >;
  const known = error instanceof TokenError || error instanceof InternalOAuthError;
  return {
    kind: error instanceof TokenError ? 'token' : 'internal',
    message: known ? String((error as Error).message) : UNKNOWN_ERROR,
    code: optional(fields.code, 'string') as string | undefined,
    uri: optional(fields.uri, 'string') as string | undefined,
    status: optional(fields.status, 'number') as number | undefined,
    retryAfter: optional(fields.retryAfter, 'number') as number | undefined,
  };
}

/** The error another process shared, as the class it was: `TokenError` or `InternalOAuthError`. */
function rebuild(shared: SharedError): Error {
  const { message, code, uri, status, retryAfter } = shared;
  const error =
    shared.kind === 'token'
      ? new TokenError(message, code ?? 'invalid_request', uri, status)
      : new InternalOAuthError(message, undefined);
  if (shared.kind === 'internal') {
    if (code !== undefined) Object.assign(error, { code });
    if (status !== undefined) Object.assign(error, { status });
  }
  if (retryAfter !== undefined) Object.assign(error, { retryAfter });
  return error;
}

function frozenTokens(tokens: WhopTokens): WhopTokens {
  return Object.freeze({ ...tokens, params: Object.freeze({ ...tokens.params }) });
}

/**
 * Seal a refresh's outcome for the other processes: `kind:owner:base64url(iv | ciphertext | tag)`,
 * the kind and the owner (the lock holder's random ID) authenticated with the Redis key as
 * associated data, so a value moved to another key or relabelled does not open.
 */
export function seal(
  secrets: RefreshSecrets,
  redisKey: string,
  owner: string,
  outcome: { tokens: WhopTokens } | { error: unknown },
): string {
  const kind: SealedKind = 'tokens' in outcome ? 'ok' : 'err';
  const sealed: Outcome =
    'tokens' in outcome ? { tokens: outcome.tokens } : { error: shareable(outcome.error) };
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secrets.key, iv);
  cipher.setAAD(Buffer.from(`${redisKey}:${kind}:${owner}`));
  const body = Buffer.concat([cipher.update(JSON.stringify(sealed), 'utf8'), cipher.final()]);
  const box = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  return `${kind}:${owner}:${box}`;
}

/**
 * Open what {@link seal} left: the tokens, or the error to throw. Throws a plain `Error` when the
 * value was not sealed under this token and key (tampered with, or not this package's).
 */
export function unseal(
  secrets: RefreshSecrets,
  redisKey: string,
  value: string,
): { tokens: WhopTokens } | { error: Error } {
  const [kind, owner, box] = value.split(':');
  const bytes = Buffer.from(box ?? '', 'base64url');
  if ((kind !== 'ok' && kind !== 'err') || owner === undefined || bytes.length < 28)
    throw new Error('the shared result is not one this package wrote');
  const decipher = createDecipheriv('aes-256-gcm', secrets.key, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(`${redisKey}:${kind}:${owner}`));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  let text: string;
  try {
    text = Buffer.concat([
      decipher.update(bytes.subarray(12, bytes.length - 16)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new Error('the shared result does not open with this refresh token (tampered with?)');
  }
  const outcome = JSON.parse(text) as Outcome;
  return 'tokens' in outcome
    ? { tokens: frozenTokens(outcome.tokens) }
    : { error: rebuild(outcome.error) };
}

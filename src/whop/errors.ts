import { InternalOAuthError, TokenError } from 'passport-oauth2';
import { printable, type Redact } from './text.js';

/** The step of the flow a request to Whop belongs to; every error message starts with it. */
export type WhopStep =
  'state' | 'code' | 'token' | 'profile' | 'access' | 'refresh' | 'revoke' | 'jwks' | 'id_token';

const STEP_MESSAGES: Readonly<Record<WhopStep, string>> = {
  state: 'Failed to check the login state',
  code: 'Failed to record the authorization code, so it was not exchanged',
  token: 'Failed to obtain access token',
  profile: 'Failed to fetch user profile',
  access: "Failed to check the user's access",
  refresh: 'Failed to refresh access token',
  revoke: 'Failed to revoke token',
  jwks: "Failed to fetch Whop's signing keys",
  id_token: 'Failed to verify the ID token',
};

export function stepMessage(step: WhopStep, detail: string): string {
  return `${STEP_MESSAGES[step]}: ${detail}`;
}

/** Set a field that is kept off enumeration, so logging the error does not dump it. */
function hide(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: false,
    configurable: true,
    writable: true,
  });
}

/**
 * An `InternalOAuthError` with passport-oauth2's shape (`oauthError` holds the cause) plus the
 * standard `cause`, and the HTTP `status` and `retryAfter` seconds when Whop answered.
 */
export function internalError(
  step: WhopStep,
  detail: string,
  extra: { cause?: unknown; status?: number; retryAfter?: number } = {},
): InternalOAuthError {
  const error = new InternalOAuthError(stepMessage(step, detail), extra.cause);
  hide(error, 'cause', extra.cause);
  if (extra.status !== undefined) Object.assign(error, { status: extra.status });
  if (extra.retryAfter !== undefined) Object.assign(error, { retryAfter: extra.retryAfter });
  return error;
}

/** An error that some of Whop's APIs returns, in any of the shapes they use. */
interface WhopErrorBody {
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly uri: string | undefined;
}

function str(value: unknown, redact: Redact | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? printable(value, redact) : undefined;
}

/**
 * Read an error body in the shapes Whop is known to send:
 * RFC 6749 `{error, error_description}`, v1 `{error: {type, message}}`,
 * v2 `{error: {status, message}}` and v5 `{message}`. Returns undefined for anything else.
 * Each text is made {@link printable}, `redact` (the request's secrets) taken out before the cut.
 */
export function readErrorBody(json: unknown, redact?: Redact): WhopErrorBody | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const body = json as Record<string, unknown>;
  if (typeof body.error === 'string') {
    return {
      code: str(body.error, redact),
      message: str(body.error_description, redact),
      uri: str(body.error_uri, redact),
    };
  }
  if (typeof body.error === 'object' && body.error !== null) {
    const inner = body.error as Record<string, unknown>;
    if (str(inner.message, redact) === undefined && str(inner.type, redact) === undefined)
      return undefined;
    return { code: str(inner.type, redact), message: str(inner.message, redact), uri: undefined };
  }
  if (str(body.message, redact) !== undefined) {
    return { code: undefined, message: str(body.message, redact), uri: undefined };
  }
  return undefined;
}

/**
 * A `TokenError` from Whop's answer to a token request, with the real HTTP status
 * (passport-oauth2's own parsing always says 500).
 */
export function tokenError(
  body: WhopErrorBody,
  status: number,
  retryAfter: number | undefined,
): TokenError {
  const code = body.code ?? (status === 429 ? 'rate_limit_exceeded' : 'invalid_request');
  const message =
    body.message ?? `Whop answered HTTP ${status} with error ${code} and no description`;
  const error = new TokenError(message, code, body.uri, status);
  if (retryAfter !== undefined) Object.assign(error, { retryAfter });
  return error;
}

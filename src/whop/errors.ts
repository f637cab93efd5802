import { AuthorizationError, InternalOAuthError, TokenError } from 'passport-oauth2';
import { HTTP_ERROR, RATE_LIMITED, type WhopErrorCode } from './error-codes.js';
import type { WhopResponse } from './http.js';
import { redact } from './scrub.js';
import { printable, type Redact } from './text.js';

/**
 * The step of the flow an error belongs to; every `InternalOAuthError`'s message starts with it.
 * `authorize` is Whop's answer on the callback, `callback` the callback request itself.
 */
export type WhopStep =
  | 'authorize'
  | 'callback'
  | 'state'
  | 'code'
  | 'token'
  | 'profile'
  | 'access'
  | 'refresh'
  | 'revoke'
  | 'jwks'
  | 'id_token';

const STEP_MESSAGES: Readonly<Record<WhopStep, string>> = {
  authorize: 'Whop ended the login',
  callback: 'Failed to read the callback',
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

/** node-oauth's error for a failed answer, which passport-oauth2 keeps as `oauthError`. */
export interface OAuthErrorData {
  /** The HTTP status Whop answered with. */
  readonly statusCode: number;
  /** The body Whop answered with, as text (secrets it quotes are `[redacted]`). */
  readonly data: string;
}

/**
 * node-oauth's `{ statusCode, data }` for a failed answer, as passport-oauth2 keeps it, but
 * without the tokens a failed answer may still carry (they were never handed to the app: they
 * must not reach a log either) and without the request's `secrets` that Whop may quote.
 */
export function oauthErrorOf(
  response: WhopResponse,
  secrets: Iterable<unknown> = [],
): OAuthErrorData {
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch {
    json = undefined;
  }
  const fields = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const tokens = [fields.access_token, fields.refresh_token, fields.id_token, ...secrets];
  return { statusCode: response.status, data: redact(response.text, tokens) };
}

/** What an answer from Whop, or a failure on the way to one, adds to an error. */
export interface WhopErrorDetails {
  /** The underlying error (kept off enumeration). */
  readonly cause?: unknown;
  /** The HTTP status of a failed answer (never a 2xx). */
  readonly status?: number | undefined;
  /** The seconds Whop asked to wait before trying again. */
  readonly retryAfter?: number | undefined;
  /** passport-oauth2's `oauthError`: node-oauth's `{ statusCode, data }`, or the transport error. */
  readonly oauthError?: unknown;
}

/**
 * passport-oauth2's `InternalOAuthError` (so `instanceof InternalOAuthError` holds, `name` is
 * `'InternalOAuthError'` and `oauthError` is set as passport-oauth2 sets it), with this package's
 * stable `code`, the `step` that failed and, when Whop answered, the HTTP `status` and the
 * `retryAfter` seconds. Every `InternalOAuthError` this package makes is one.
 */
export class WhopInternalOAuthError extends InternalOAuthError {
  static {
    // passport-oauth2 names an error after its constructor: keep its name in logs and `err.name`.
    Object.defineProperty(this, 'name', { value: 'InternalOAuthError' });
  }

  /** The stable code of this failure: one of {@link WhopErrorCode}'s constants. */
  readonly code: WhopErrorCode;
  /** The step that failed. */
  readonly step: WhopStep;
  /** The HTTP status Whop answered with, when the failure is Whop's answer (never a 2xx). */
  declare readonly status?: number;
  /** The seconds Whop asked to wait before trying again (`Retry-After`, or its message). */
  declare readonly retryAfter?: number;

  /**
   * An error of `step`; the message is the step's words and `detail`.
   *
   * @param code - the stable code
   * @param step - the step that failed; the message starts with what it was doing
   * @param detail - what went wrong, after the step's words
   * @param details - the cause, and what Whop answered
   */
  constructor(code: WhopErrorCode, step: WhopStep, detail: string, details: WhopErrorDetails = {}) {
    super(stepMessage(step, detail), details.oauthError ?? details.cause);
    this.code = code;
    this.step = step;
    hide(this, 'cause', details.cause);
    setAnswer(this, details);
  }
}

/** `status` and `retryAfter`, only when known, so an error from a 2xx answer has no `status`. */
function setAnswer(error: object, { status, retryAfter }: WhopErrorDetails): void {
  if (status !== undefined) (error as { status?: number }).status = status;
  if (retryAfter !== undefined) (error as { retryAfter?: number }).retryAfter = retryAfter;
}

/**
 * passport-oauth2's `TokenError` (`name` `'TokenError'`): Whop refused a token request. `code`
 * is Whop's OAuth error (`invalid_grant`), as passport-oauth2 defines it, not one of
 * {@link WhopErrorCode}'s; `status` is Whop's real HTTP status (500 for an error in a 2xx
 * answer, as passport-oauth2's own `TokenError` says).
 */
export class WhopTokenError extends TokenError {
  static {
    Object.defineProperty(this, 'name', { value: 'TokenError' });
  }

  /** The step whose request Whop refused: `token`, `refresh` or `revoke`. */
  readonly step: WhopStep;
  /** The seconds Whop asked to wait before trying again (`Retry-After`, or its message). */
  declare readonly retryAfter?: number;
  /**
   * node-oauth's `{ statusCode, data }`, set only where passport-oauth2 would have made an
   * `InternalOAuthError` of the answer (a body without an RFC 6749 `error` string), so that
   * `err.oauthError.statusCode` keeps working there.
   */
  declare readonly oauthError?: OAuthErrorData;

  /**
   * Whop's refusal of the request of `step`.
   *
   * @param step - the step whose request Whop refused
   * @param message - Whop's description, or one saying that Whop gave none
   * @param code - Whop's OAuth error code
   * @param uri - Whop's `error_uri`
   * @param details - what Whop answered
   */
  constructor(
    step: WhopStep,
    message: string,
    code: string,
    uri: string | undefined,
    details: WhopErrorDetails = {},
  ) {
    super(message, code, uri, details.status);
    this.step = step;
    setAnswer(this, { retryAfter: details.retryAfter });
    if (details.oauthError !== undefined)
      (this as { oauthError?: unknown }).oauthError = details.oauthError;
  }
}

/**
 * passport-oauth2's `AuthorizationError` (`name` `'AuthorizationError'`): Whop ended the login
 * with an `error` on the callback. `code` is Whop's OAuth error (`server_error`), `status`
 * passport-oauth2's (502 for `server_error`, 503 for `temporarily_unavailable`, else 500).
 */
export class WhopAuthorizationError extends AuthorizationError {
  static {
    Object.defineProperty(this, 'name', { value: 'AuthorizationError' });
  }

  /** Always `authorize`: the callback carried Whop's error. */
  readonly step: WhopStep = 'authorize';
}

/**
 * A `WhopInternalOAuthError` for `step`; see its constructor.
 *
 * @internal
 */
export function internalError(
  code: WhopErrorCode,
  step: WhopStep,
  detail: string,
  details: WhopErrorDetails = {},
): WhopInternalOAuthError {
  return new WhopInternalOAuthError(code, step, detail, details);
}

/** The code of a failed answer that carries no OAuth error. */
export function statusCode(status: number): WhopErrorCode {
  return status === 429 ? RATE_LIMITED : HTTP_ERROR;
}

/** An error that some of Whop's APIs returns, in any of the shapes they use. */
export interface WhopErrorBody {
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly uri: string | undefined;
  /**
   * Whether passport-oauth2's `parseErrorResponse` makes a `TokenError` of it (a truthy
   * `error`): where it does not, its error is an `InternalOAuthError` with `oauthError`.
   */
  readonly oauth: boolean;
}

function str(value: unknown, redact: Redact | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? printable(value, redact) : undefined;
}

/**
 * Read an error body in the shapes Whop is known to send:
 * RFC 6749 `{error, error_description}`, v1 `{error: {code, message}}` and `{error: {type, message}}`,
 * v2 `{error: {status, message}}` and v5 `{message}`. Returns undefined for anything else.
 * Each text is made {@link printable}, `redact` (the request's secrets) taken out before the cut.
 */
export function readErrorBody(json: unknown, redact?: Redact): WhopErrorBody | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const body = json as Record<string, unknown>;
  const oauth = Boolean(body.error);
  if (typeof body.error === 'string') {
    return {
      code: str(body.error, redact),
      message: str(body.error_description, redact),
      uri: str(body.error_uri, redact),
      oauth,
    };
  }
  if (typeof body.error === 'object' && body.error !== null) {
    // Whop's /api/v1: {error: {code, message}}, and {error: {type, message}} (a 429's type is
    // rate_limit_exceeded).
    const inner = body.error as Record<string, unknown>;
    const code = str(inner.code, redact) ?? str(inner.type, redact);
    if (str(inner.message, redact) === undefined && code === undefined) return undefined;
    return { code, message: str(inner.message, redact), uri: undefined, oauth };
  }
  if (str(body.message, redact) !== undefined) {
    return { code: undefined, message: str(body.message, redact), uri: undefined, oauth };
  }
  return undefined;
}

/**
 * A `TokenError` from Whop's answer to a token request: Whop's real HTTP status (passport-oauth2's
 * own parsing always says 500), none for a 2xx (the `TokenError` default, 500, so that an app's
 * `res.status(err.status)` never answers 200 for a failed login).
 */
export function tokenError(
  step: WhopStep,
  body: WhopErrorBody,
  answer: WhopResponse,
): WhopTokenError {
  const { status } = answer;
  const retryAfter = answer.retryAfter ?? waitOf(body.message);
  const failed = status < 200 || status >= 300;
  const code = body.code ?? (status === 429 ? 'rate_limit_exceeded' : 'invalid_request');
  const said = body.message ?? `Whop answered HTTP ${status} with error ${code} and no description`;
  const message = withSetupHint(said);
  // Where passport-oauth2 would have made an InternalOAuthError, its oauthError is kept.
  const oauthError = failed && !body.oauth ? oauthErrorOf(answer) : undefined;
  return new WhopTokenError(step, message, code, body.uri, {
    status: failed ? status : undefined,
    retryAfter,
    oauthError,
  });
}

// Whop's /api/v1 429 says how long to wait in its message and may send no Retry-After.
const TRY_AGAIN = /\btry again in (\d{1,6}) seconds?\b/i;

/** The seconds Whop's message asks to wait (`Try again in 12 seconds.`), if it says. */
export function waitOf(message: string | undefined): number | undefined {
  const match = message === undefined ? null : TRY_AGAIN.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** The seconds to wait before asking again: `Retry-After`, else what Whop's message says. */
export function retryAfterOf(response: WhopResponse): number | undefined {
  if (response.retryAfter !== undefined) return response.retryAfter;
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch {
    return undefined;
  }
  return waitOf(readErrorBody(json)?.message);
}

// The two commonest setup mistakes, by Whop's exact texts: what to change on Whop's dashboard.
const SETUP_HINTS: readonly (readonly [RegExp, string])[] = [
  [
    /client_secret lacks oauth:token_exchange permission/i,
    "the clientSecret is an API key without the oauth:token_exchange permission: on Whop's developer dashboard, open the app's API key and grant it oauth:token_exchange (or use the app's own client secret)",
  ],
  [
    /client_secret is required/i,
    "the app is confidential on Whop and no clientSecret was sent: pass the app's client secret as clientSecret, or make the app public (its OAuth client type) on Whop's developer dashboard to log in with PKCE alone",
  ],
];

/** Whop's message, and after it what to change when it is a known setup mistake. */
function withSetupHint(message: string): string {
  for (const [pattern, hint] of SETUP_HINTS)
    if (pattern.test(message)) return `${message} (${hint})`;
  return message;
}

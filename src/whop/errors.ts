import { AuthorizationError, InternalOAuthError, TokenError } from 'passport-oauth2';
import type { WhopErrorCode } from './error-codes.js';

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

/** An error's message: the words of `step`, then `detail`. */
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

import {
  parseJSON,
  readErrorBody,
  redactorOf,
  retryAfterOf,
  waitOf,
  type WhopErrorBody,
} from './answers.js';
import { HTTP_ERROR, RATE_LIMITED, type WhopErrorCode } from './error-codes.js';
import {
  internalError,
  WhopTokenError,
  type OAuthErrorData,
  type WhopInternalOAuthError,
  type WhopStep,
} from './errors.js';
import type { WhopResponse } from './http.js';
import { redact } from './scrub.js';

/**
 * A short, safe description of a failed answer for an error message, with `secrets` (what the
 * request sent, which Whop may quote) taken out before Whop's text is cut.
 */
export function describeFailure(response: WhopResponse, secrets: Iterable<unknown> = []): string {
  const json = parseJSON(response.text);
  const whop = readErrorBody(json, redactorOf(secrets));
  const said = whop?.message ?? whop?.code;
  const wait = response.retryAfter ?? waitOf(whop?.message);
  const retry = wait === undefined ? '' : `, retry after ${wait} s`;
  const kind = json === undefined ? ', not JSON' : '';
  return `Whop answered HTTP ${response.status}${said ? `: ${said}` : kind}${retry}`;
}

/**
 * The `InternalOAuthError` for an answer that is not a 2xx, with the `status`, `retryAfter` and,
 * as passport-oauth2 (and the strategies built on it) make it, `oauthError`: node-oauth's
 * `{ statusCode, data }`. Whop's text is quoted without `secrets` (the request's: `secretsOf`
 * in http.ts).
 */
export function answerError(
  step: WhopStep,
  response: WhopResponse,
  secrets: Iterable<unknown> = [],
): WhopInternalOAuthError {
  const { status } = response;
  return internalError(statusCode(status), step, describeFailure(response, secrets), {
    status,
    retryAfter: retryAfterOf(response),
    oauthError: oauthErrorOf(response, secrets),
  });
}

/**
 * The error for a token endpoint's answer that is not a 2xx: an OAuth error body on a 4xx
 * becomes a `TokenError` with the real status; anything else (5xx, HTML, an empty 401) an
 * `InternalOAuthError` (see {@link answerError}). Whop's text is quoted without `secrets`.
 */
export function failure(
  step: WhopStep,
  response: WhopResponse,
  secrets: Iterable<unknown> = [],
): Error {
  if (response.status >= 400 && response.status < 500) {
    const body = readErrorBody(parseJSON(response.text), redactorOf(secrets));
    if (body) return tokenError(step, body, response);
  }
  return answerError(step, response, secrets);
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

/** The code of a failed answer that carries no OAuth error. */
export function statusCode(status: number): WhopErrorCode {
  return status === 429 ? RATE_LIMITED : HTTP_ERROR;
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

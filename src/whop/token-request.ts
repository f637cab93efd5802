import type { Deadline } from '../flow/deadline.js';
import { failure, tokenError } from './answer-errors.js';
import { parseJSON, readErrorBody, redactorOf } from './answers.js';
import { INVALID_RESPONSE } from './error-codes.js';
import { internalError, type WhopStep } from './errors.js';
import {
  isSuccess,
  secretsOf,
  send,
  type HttpSettings,
  type WhopRequest,
  type WhopResponse,
} from './http.js';
import { scrubError } from './scrub.js';

/** A strategy's `parseErrorResponse(body, status)`: an error, or nothing to leave it to this package. */
export type ParseErrorResponse = (body: string, status: number) => unknown;

/**
 * The error `parseError` makes of a failed answer, consulted as passport-oauth2 consults it: only
 * for an answer with a body, and a throw or a falsy result count as no answer.
 */
function consult(parseError: ParseErrorResponse | undefined, response: WhopResponse): unknown {
  if (parseError === undefined || response.text === '') return undefined;
  try {
    return parseError(response.text, response.status) || undefined;
  } catch {
    return undefined;
  }
}

// RFC 6750's b64token is narrower; any visible ASCII can at least be sent in a header.
const SENDABLE_TOKEN = /^[\x21-\x7e]+$/;

/**
 * POST a token request (a code, a refresh token) and return Whop's JSON answer. See
 * {@link failure} for a non-2xx; a 2xx that is not a JSON object with an `access_token` that can
 * be sent in a header is an `InternalOAuthError` naming the step (or a `TokenError` when it
 * carries an OAuth error). Every error is scrubbed of the form's secrets.
 */
export async function requestToken(
  step: WhopStep,
  url: string,
  form: Readonly<Record<string, unknown>>,
  settings: HttpSettings,
  headers?: Readonly<Record<string, string>>,
  deadline?: Deadline,
  parseError?: ParseErrorResponse,
): Promise<Readonly<Record<string, unknown>>> {
  const request: WhopRequest = { step, url, form, headers };
  const response = await send(request, settings, deadline);
  const secrets = secretsOf(request);
  try {
    return tokenResponse(step, response, parseError, secrets);
  } catch (error) {
    throw scrubError(error, secrets);
  }
}

function tokenResponse(
  step: WhopStep,
  response: WhopResponse,
  parseError: ParseErrorResponse | undefined,
  secrets: readonly unknown[],
): Record<string, unknown> {
  if (!isSuccess(response)) throw consult(parseError, response) ?? failure(step, response, secrets);
  // No `status` on these: Whop answered 2xx, and an app's `res.status(err.status || 500)` must
  // not answer 200 OK for a failed login (passport-oauth2's Error here has none either).
  const json = parseJSON(response.text);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw internalError(INVALID_RESPONSE, step, 'the response is not a JSON object');
  }
  const token = json as Record<string, unknown>;
  if (typeof token.access_token !== 'string' || token.access_token === '') {
    const body = readErrorBody(json, redactorOf(secrets));
    if (body?.code !== undefined) throw tokenError(step, body, response);
    throw internalError(INVALID_RESPONSE, step, 'the response has no access_token');
  }
  // A CR, LF, NUL or non-ASCII character would fail the profile request (or the app's own)
  // with Node's bare ERR_INVALID_CHAR: refused here, at the step that received it.
  if (!SENDABLE_TOKEN.test(token.access_token))
    throw internalError(
      INVALID_RESPONSE,
      step,
      'the access_token has characters a header cannot carry',
    );
  return token;
}

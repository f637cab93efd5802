import type { WhopResponse } from './http.js';
import { SecretForms } from './redact.js';
import { printable, type Redact } from './text.js';

/** The body as JSON, or undefined when it is not JSON. */
export function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What takes `secrets` out of Whop's text before it is cut to a quote's length. */
export function redactorOf(secrets: Iterable<unknown>): ((text: string) => string) | undefined {
  const forms = new SecretForms(secrets);
  return forms.empty ? undefined : (text) => forms.redact(text);
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

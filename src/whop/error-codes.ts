// The stable codes of this package's errors and failures, as oauth4webapi exports its own
// (`RESPONSE_IS_NOT_JSON = 'OAUTH_RESPONSE_IS_NOT_JSON'`): apps branch on these, never on the
// text of a message, which may change. passport-oauth2's `TokenError` and `AuthorizationError`
// keep Whop's OAuth error (`invalid_grant`) in `code`, as passport-oauth2 defines them: see
// docs/errors.md.

// Errors (`InternalOAuthError`, `next(err)`): something failed on the way.

/** A request to Whop failed before an answer: connection refused or reset, DNS, a bad header. */
export const REQUEST_FAILED = 'WHOP_REQUEST_FAILED';
/** A request to Whop, a store or a hook did not end within `timeout` (or the login's deadline). */
export const TIMED_OUT = 'WHOP_TIMED_OUT';
/** Whop answered with a body over 1 MiB. */
export const RESPONSE_TOO_LARGE = 'WHOP_RESPONSE_TOO_LARGE';
/** Whop answered 429 (with no OAuth error body): wait `retryAfter` seconds. */
export const RATE_LIMITED = 'WHOP_RATE_LIMITED';
/** Whop answered another status than 2xx (5xx, HTML, an empty 401), with no OAuth error body. */
export const HTTP_ERROR = 'WHOP_HTTP_ERROR';
/** Whop answered 2xx with a body this package cannot use (not JSON, no `access_token`, no id). */
export const INVALID_RESPONSE = 'WHOP_INVALID_RESPONSE';
/** The ID token (OAuth 2.1) failed a check: signature, issuer, audience, expiry, nonce. */
export const ID_TOKEN_INVALID = 'WHOP_ID_TOKEN_INVALID';
/** The state store failed, so the login could not be checked. */
export const STATE_STORE_FAILED = 'WHOP_STATE_STORE_FAILED';
/** The code store failed (or answered neither true nor false), so the code was not exchanged. */
export const CODE_STORE_FAILED = 'WHOP_CODE_STORE_FAILED';
/** The state is kept in the session and the request has no `req.session`. */
export const SESSION_MISSING = 'WHOP_SESSION_MISSING';
/** The refresh lock's Redis failed or answered what this package did not write: no refresh was made. */
export const REFRESH_LOCK_FAILED = 'WHOP_REFRESH_LOCK_FAILED';

// Failures (Passport's `fail`, `failureRedirect`): the login cannot go on, nothing is broken.

/** The user declined the login on Whop (`?error=access_denied`). */
export const LOGIN_DECLINED = 'WHOP_LOGIN_DECLINED';
/** The callback's state is missing, unknown or refused by the state store. */
export const STATE_INVALID = 'WHOP_STATE_INVALID';
/** A callback parameter is not one string (given twice, too long, an object). */
export const CALLBACK_MALFORMED = 'WHOP_CALLBACK_MALFORMED';
/** The request's `Host` cannot be the host of a callback URL. */
export const HOST_INVALID = 'WHOP_HOST_INVALID';
/** Whop came back for another company than the one the login asked for. */
export const COMPANY_MISMATCH = 'WHOP_COMPANY_MISMATCH';
/** The callback's code was already exchanged (a reload, a double click, a prefetch). */
export const CODE_ALREADY_USED = 'WHOP_CODE_ALREADY_USED';
/** OAuth 2.1: the state store gave back no PKCE code verifier. */
export const VERIFIER_MISSING = 'WHOP_VERIFIER_MISSING';
/** `requireAccess`: the user has access to none of the resources. */
export const NO_ACCESS = 'WHOP_NO_ACCESS';

/** The `code` of an error this package makes itself, or of a failure it reports. */
export type WhopErrorCode =
  | typeof REQUEST_FAILED
  | typeof TIMED_OUT
  | typeof RESPONSE_TOO_LARGE
  | typeof RATE_LIMITED
  | typeof HTTP_ERROR
  | typeof INVALID_RESPONSE
  | typeof ID_TOKEN_INVALID
  | typeof STATE_STORE_FAILED
  | typeof CODE_STORE_FAILED
  | typeof SESSION_MISSING
  | typeof REFRESH_LOCK_FAILED
  | typeof LOGIN_DECLINED
  | typeof STATE_INVALID
  | typeof CALLBACK_MALFORMED
  | typeof HOST_INVALID
  | typeof COMPANY_MISMATCH
  | typeof CODE_ALREADY_USED
  | typeof VERIFIER_MISSING
  | typeof NO_ACCESS;

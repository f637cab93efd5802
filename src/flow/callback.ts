import { MemoryCodeStore, type CodeStore } from '../stores/codes.js';
import type { Deadline } from './deadline.js';
import {
  CODE_ALREADY_USED,
  CODE_STORE_FAILED,
  COMPANY_MISMATCH,
  SESSION_MISSING,
} from '../whop/error-codes.js';
import { TokenError } from 'passport-oauth2';
import { internalError, WhopAuthorizationError, WhopInternalOAuthError } from '../whop/errors.js';
import { LoginFailure } from './failure.js';
import { isWellFormed, printable } from '../whop/text.js';

/** Whop's authorization codes expire after 5 minutes: remember each exchanged one that long. */
const CODE_TTL_MS = 5 * 60 * 1000;

/** The longest code or state taken from a callback; Whop's are far shorter. */
const MAX_PARAM_LENGTH = 4096;

/** A request's query (or body) parameters, as the host's parser made them. */
export type CallbackQuery = Readonly<Record<string, unknown>>;

/** @internal A request's query (or body) parameters once `malformedCallback` found them fine. */
export type Query = Readonly<Record<string, string | undefined>>;

function badParam(name: string, value: unknown): string | undefined {
  if (value === undefined || (typeof value === 'string' && value.length <= MAX_PARAM_LENGTH)) {
    // A lone surrogate cannot be sent to Whop (it has no UTF-8 form): not a code or state.
    if (typeof value !== 'string' || isWellFormed(value)) return undefined;
  }
  return `The callback's ${name} parameter must be one string of at most ${MAX_PARAM_LENGTH} characters: start the login again`;
}

/**
 * Why a callback's parameters cannot be a login's: each of `code`, `state`, `scope` and `error`
 * must be one string when present (`code=a&code=b` is an array under Express's parsers, and
 * the extended parser makes objects), and so must a POSTed `code` and `state`. Undefined when
 * they are fine. Checked before the state store is asked, so a bad callback consumes no state.
 */
export function malformedCallback(
  query: CallbackQuery,
  body: CallbackQuery | undefined,
): string | undefined {
  return (
    badParam('code', query.code) ??
    badParam('state', query.state) ??
    badParam('scope', query.scope) ??
    badParam('error', query.error) ??
    (typeof body === 'object' && body !== null
      ? (badParam('code', body.code) ?? badParam('state', body.state))
      : undefined)
  );
}

/**
 * What Whop's error on the callback (`query.error`) makes of the login: `access_denied` fails it
 * (the failure message, a string), anything else is an `AuthorizationError`. Messages quote the
 * query escaped (no CR/LF), and name Whop's error code when it sent no description.
 */
export function refusal(query: Query): string | WhopAuthorizationError {
  const code = printable(query.error!);
  const { error_description: description, error_uri: uri } = query;
  const said = typeof description === 'string' && description !== '' ? description : undefined;
  if (code === 'access_denied')
    return said ? printable(said) : 'The user declined the login on Whop (access_denied)';
  const message = said
    ? printable(said)
    : `Whop ended the login with error ${code} and no description`;
  return new WhopAuthorizationError(
    message,
    code,
    typeof uri === 'string' ? printable(uri) : undefined!,
  );
}

/**
 * The companies an echoed scope names other than the one requested, space-separated; `''` when
 * it names none or only that one. Every entry starting with `biz_` counts, well-formed or not.
 */
function echoedCompanies(scope: string, requested: string | undefined): string {
  // The usual answers, without splitting: nothing, the company asked for, or no company at all.
  if (scope === '' || scope === requested || !scope.includes('biz_')) return '';
  return scope
    .split(/[\s,]+/)
    .filter((entry) => entry.startsWith('biz_') && entry !== requested)
    .join(' ');
}

/**
 * The legacy flow's company check: the `scope` Whop echoes on the callback must name no company
 * other than the one this login asked for. Whop's docs say the callback echoes `scope`; nothing
 * confirms it always does, so a callback without one passes. Only its company IDs count: a
 * permission scope Whop echoes (`read_user`, which Whop's SDK sends) says nothing about the
 * company.
 */
export function checkCompany(echoed: unknown, requested: string | undefined): void {
  const others = typeof echoed === 'string' ? echoedCompanies(echoed, requested) : '';
  if (others !== '')
    throw new LoginFailure(
      COMPANY_MISMATCH,
      `Whop returned to a login for company ${printable(others)}, but ${requested ?? 'no company'} was requested`,
    );
}

/**
 * The single-use claim of a code, before it is exchanged: a code this app already exchanged
 * fails the login (Whop revokes the user's connection when a code is exchanged twice). The code
 * store's own failure, and one that does not answer within the login's deadline, are an
 * `InternalOAuthError` (step `code`): then the code is not exchanged.
 */
export async function claimCode(store: CodeStore, code: string, deadline: Deadline): Promise<void> {
  if (!(await claimed(store, code, deadline)))
    throw new LoginFailure(
      CODE_ALREADY_USED,
      'This authorization code was already used: start the login again',
    );
}

async function claimed(store: CodeStore, code: string, deadline: Deadline): Promise<boolean> {
  let answer: unknown;
  try {
    // The default store answers at once: no race with the deadline needed.
    if (store.claim === MemoryCodeStore.prototype.claim)
      return (store as MemoryCodeStore).claimNow(code, CODE_TTL_MS, Date.now());
    answer = await deadline.run('code', Promise.resolve(store.claim(code, CODE_TTL_MS)));
  } catch (error) {
    if (error === deadline.expired) throw error;
    throw internalError(CODE_STORE_FAILED, 'code', 'the code store failed', { cause: error });
  }
  if (typeof answer !== 'boolean')
    throw internalError(
      CODE_STORE_FAILED,
      'code',
      'the code store answered neither true nor false',
    );
  return answer;
}

/**
 * Forgets a claimed code because Whop refused it (`error`, from its token request, says an HTTP
 * 4xx): it was not exchanged, so it must not hold room in the record. Any other failure (no
 * answer, a 5xx, a bad 2xx) may have spent the code, which then stays recorded. Bounded by the
 * login's deadline; a store without `release`, or whose release fails, keeps the code.
 */
export async function releaseCode(
  store: CodeStore,
  code: string,
  error: unknown,
  deadline: Deadline,
): Promise<void> {
  if (!refusedByWhop(error)) return;
  if (store.release === MemoryCodeStore.prototype.release)
    return (store as MemoryCodeStore).releaseNow(code);
  if (typeof store.release !== 'function') return;
  try {
    await deadline.run('code', Promise.resolve(store.release(code)));
  } catch {
    // Kept until it expires: the safe side, and the login's own error is the one to report.
  }
}

/**
 * Whether a login's token request failed with Whop's refusal: an answer with an HTTP 4xx status
 * to the token request itself (a `TokenError`, or the token step's `InternalOAuthError` for a body
 * of no known shape), not to a later request such as the ID token's keys.
 */
function refusedByWhop(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return false;
  if (error instanceof TokenError) return true;
  return error instanceof WhopInternalOAuthError && error.step === 'token';
}

/** The error for a request with no session, when the state is kept in the session. */
export function noSession(): Error {
  return internalError(
    SESSION_MISSING,
    'state',
    'WhopStrategy keeps its CSRF state in the session, and req.session is missing: add session middleware (express-session) before passport, pass a `store` option, or set `state: false`',
  );
}

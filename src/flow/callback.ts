import type { Request } from 'express';
import { TokenError } from 'passport-oauth2';
import { MemoryCodeStore, type CodeStore } from '../stores/codes.js';
import type { Deadline } from './deadline.js';
import { CODE_STORE_FAILED, SESSION_MISSING } from '../whop/error-codes.js';
import { internalError, WhopAuthorizationError, WhopInternalOAuthError } from '../whop/errors.js';
import type { WhopFlow } from '../options.js';
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

/** What the checks read of a callback. */
export interface CallbackParams {
  readonly code: string;
  /** The `scope` Whop sent back, which in the legacy flow names the company. */
  readonly scope: unknown;
  /**
   * What the login asked for, when known: the company the redirect recorded (or, for a store
   * that cannot carry it, the one this callback asks for).
   */
  readonly requested: { readonly company: string | undefined } | undefined;
  /** The PKCE code verifier the state store gave back (OAuth 2.1). */
  readonly verifier?: string | undefined;
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

export interface LoginCheckSettings {
  readonly flow: WhopFlow;
  readonly codeStore: CodeStore;
  /** Whether the state is kept by the strategy's own session store, which needs a session. */
  readonly needsSession: boolean;
}

/**
 * What the strategy checks on the callback once the state store has accepted the state, before
 * the code is exchanged: the company Whop echoed (legacy flow), then the single-use claim of the
 * code.
 *
 * @internal
 */
export class LoginChecks {
  constructor(private readonly settings: LoginCheckSettings) {}

  /** The error for a request with no session, when the state store needs one. */
  noSession(req: Request): Error | undefined {
    if (!this.settings.needsSession || (req as { session?: unknown }).session) return undefined;
    return internalError(
      SESSION_MISSING,
      'state',
      'WhopStrategy keeps its CSRF state in the session, and req.session is missing: add session middleware (express-session) before passport, pass a `store` option, or set `state: false`',
    );
  }

  /**
   * Resolves a failure message, or undefined to go on to the exchange. The code store's own
   * failure, and one that does not answer within the login's deadline, reject with an
   * `InternalOAuthError` (step `code`): then the code is not exchanged.
   */
  async afterState(
    { code, scope, requested, verifier }: CallbackParams,
    deadline?: Deadline,
  ): Promise<string | undefined> {
    // In OAuth 2.1 the callback's `scope` (if any) is the OpenID scopes, not a company.
    if (this.settings.flow === 'legacy' && requested !== undefined) {
      // Whop's docs say the callback echoes `scope`; nothing confirms it always does, so a
      // callback without one is accepted. Only its company IDs count: a permission scope Whop
      // echoes (`read_user`, which Whop's SDK sends) says nothing about the company.
      const echoed = typeof scope === 'string' ? echoedCompanies(scope, requested.company) : '';
      if (echoed !== '') {
        return `Whop returned to a login for company ${printable(echoed)}, but ${requested.company ?? 'no company'} was requested`;
      }
    }
    // Whop's OAuth 2.1 requires PKCE: without the verifier (a store that kept none) the exchange
    // can only fail, and it would spend the user's code.
    if (this.settings.flow === 'oauth2.1' && verifier === undefined)
      return 'The state store gave back no PKCE code verifier: start the login again';
    const claimed = await this.claim(code, deadline);
    return claimed ? undefined : 'This authorization code was already used: start the login again';
  }

  /**
   * Forget a claimed code because Whop refused it (`error`, from its token request, says an HTTP
   * 4xx): it was not exchanged, so it must not hold room in the record. Any other failure (no
   * answer, a 5xx, a bad 2xx) may have spent the code, which then stays recorded. Bounded by the
   * login's deadline; a store without `release`, or whose release fails, keeps the code.
   */
  async release(code: string, error: unknown, deadline: Deadline | undefined): Promise<void> {
    if (!refusedByWhop(error)) return;
    const store = this.settings.codeStore;
    if (store.release === MemoryCodeStore.prototype.release)
      return (store as MemoryCodeStore).releaseNow(code);
    if (typeof store.release !== 'function') return;
    try {
      const releasing = Promise.resolve(store.release(code));
      await (deadline ? deadline.run('code', releasing) : releasing);
    } catch {
      // Kept until it expires: the safe side, and the login's own error is the one to report.
    }
  }

  private async claim(code: string, deadline: Deadline | undefined): Promise<boolean> {
    const store = this.settings.codeStore;
    let claimed: unknown;
    try {
      // The default store answers at once: no race with the deadline needed.
      if (store.claim === MemoryCodeStore.prototype.claim)
        return (store as MemoryCodeStore).claimNow(code, CODE_TTL_MS, Date.now());
      const claiming = Promise.resolve(store.claim(code, CODE_TTL_MS));
      claimed = await (deadline ? deadline.run('code', claiming) : claiming);
    } catch (error) {
      if (error === deadline?.expired) throw error;
      throw internalError(CODE_STORE_FAILED, 'code', 'the code store failed', { cause: error });
    }
    if (typeof claimed !== 'boolean')
      throw internalError(
        CODE_STORE_FAILED,
        'code',
        'the code store answered neither true nor false',
      );
    return claimed;
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

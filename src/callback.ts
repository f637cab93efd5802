import type { Request } from 'express';
import { InternalOAuthError } from 'passport-oauth2';
import type { CodeStore } from './codes.js';
import type { WhopFlow } from './options.js';

/** Whop's authorization codes expire after 5 minutes: remember each exchanged one that long. */
const CODE_TTL_MS = 5 * 60 * 1000;

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
    return new Error(
      'WhopStrategy keeps its CSRF state in the session, and req.session is missing: add session middleware (express-session) before passport, pass a `store` option, or set `state: false`',
    );
  }

  /** Resolves a failure message, or undefined to go on to the exchange. */
  async afterState({ code, scope, requested }: CallbackParams): Promise<string | undefined> {
    // In OAuth 2.1 the callback's `scope` (if any) is the OpenID scopes, not a company.
    if (this.settings.flow === 'legacy' && requested !== undefined) {
      // Whop's docs say the callback echoes `scope`; nothing confirms it always does, so a
      // callback without one is accepted. Only its company IDs count: a permission scope Whop
      // echoes (`read_user`, which Whop's SDK sends) says nothing about the company.
      const echoed = typeof scope === 'string' ? echoedCompanies(scope, requested.company) : '';
      if (echoed !== '') {
        return `Whop returned to a login for company ${echoed}, but ${requested.company ?? 'no company'} was requested`;
      }
    }
    let claimed: boolean;
    try {
      claimed = await this.settings.codeStore.claim(code, CODE_TTL_MS);
    } catch (error) {
      throw new InternalOAuthError(
        'Failed to record the authorization code, so it was not exchanged: the code store failed',
        error,
      );
    }
    return claimed ? undefined : 'This authorization code was already used: start the login again';
  }
}

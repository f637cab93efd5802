import type { Request } from 'express';
import { InternalOAuthError } from 'passport-oauth2';
import type { CodeStore } from './codes.js';
import type { WhopFlow } from './options.js';
import type { CallbackChecks, RequestExtras } from './state.js';

/** Whop's authorization codes expire after 5 minutes: remember each exchanged one that long. */
const CODE_TTL_MS = 5 * 60 * 1000;

export interface LoginCheckSettings {
  readonly flow: WhopFlow;
  readonly codeStore: CodeStore;
  /** Whether the state is kept by the strategy's own session store, which needs a session. */
  readonly needsSession: boolean;
  /** Called with each code claimed for exchange and the nonce its login sent (OAuth 2.1). */
  readonly claimed: (code: string, nonce: string) => void;
}

/**
 * What the strategy checks around the state store: what each redirect asked for, and on the
 * callback, after the state, the company Whop echoed (legacy flow) and the single-use claim of
 * the code, before passport-oauth2 exchanges it.
 *
 * @internal
 */
export class LoginChecks implements CallbackChecks {
  // What a callback's own authenticate() asked for, kept on the request itself (it leaves with
  // it), for stores that cannot carry it from the redirect.
  private readonly requested = Symbol('passport-whop requested');

  constructor(private readonly settings: LoginCheckSettings) {}

  /** Record what the callback `req` asks for, when the store cannot say what the redirect did. */
  remember(req: Request, extras: RequestExtras): void {
    (req as unknown as Record<symbol, RequestExtras>)[this.requested] = extras;
  }

  requestExtras(req: Request): RequestExtras | undefined {
    return (req as unknown as Record<symbol, RequestExtras | undefined>)[this.requested];
  }

  noSession(req: Request): Error | undefined {
    if (!this.settings.needsSession || (req as { session?: unknown }).session) return undefined;
    return new Error(
      'WhopStrategy keeps its CSRF state in the session, and req.session is missing: add session middleware (express-session) before passport, pass a `store` option, or set `state: false`',
    );
  }

  /** Resolves a failure message, or undefined to go on to the exchange. */
  async afterState(req: Request, stored: RequestExtras | 'unknown'): Promise<string | undefined> {
    const query = (req.query ?? {}) as Record<string, unknown>;
    // In OAuth 2.1 the callback's `scope` (if any) is the OpenID scopes, not a company.
    if (this.settings.flow === 'legacy') {
      // Whop's docs say the callback echoes `scope`; nothing confirms it always does, so a
      // callback without one is accepted.
      const echoed =
        typeof query.scope === 'string' && query.scope !== '' ? query.scope : undefined;
      const expected = stored === 'unknown' ? this.requestExtras(req)?.company : stored.company;
      const knowsRequest = stored !== 'unknown' || expected !== undefined;
      if (echoed !== undefined && knowsRequest && echoed !== expected) {
        return `Whop returned to a login for company ${echoed}, but ${expected ?? 'no company'} was requested`;
      }
    }
    const code = (query.code ?? (req.body as Record<string, unknown> | undefined)?.code) as string;
    let claimed: boolean;
    try {
      claimed = await this.settings.codeStore.claim(code, CODE_TTL_MS);
    } catch (error) {
      throw new InternalOAuthError(
        'Failed to record the authorization code, so it was not exchanged: the code store failed',
        error,
      );
    }
    if (!claimed) return 'This authorization code was already used: start the login again';
    if (stored !== 'unknown' && stored.nonce !== undefined)
      this.settings.claimed(code, stored.nonce);
    return undefined;
  }
}

import type { Request } from 'express';
import { type AccessChecker, admit } from '../whop/access.js';
import {
  ID_TOKEN_INVALID,
  NO_ACCESS,
  STATE_INVALID,
  VERIFIER_MISSING,
} from '../whop/error-codes.js';
import { internalError } from '../whop/errors.js';
import { tokensOf } from '../whop/exchange.js';
import { sameUser, SUB_MISMATCH } from '../whop/id-token.js';
import type { WhopProfile } from '../whop/profile.js';
import { scrubError } from '../whop/scrub.js';
import type { CodeStore } from '../stores/codes.js';
import type { WhopFlow } from '../options.js';
import { isSigned, nonceOf, unbindState } from './binding.js';
import { checkCompany, claimCode, noSession, releaseCode } from './callback.js';
import { Deadline } from './deadline.js';
import { exchangeCode, type ExchangedTokens, type Exchanger } from './exchange.js';
import { LoginFailure } from './failure.js';
import { loadsOwnProfile, type OAuth2Members } from './members.js';
import { loadProfile, type ProfileLoader } from './profile.js';
import { storeFailed, verifyState, type StateMetadata, type StateStore } from './state.js';
import { AccessRefused, requestedAccess } from './require-access.js';
import { runVerify, withState } from './verify.js';

/** What the callback needs of the strategy beyond passport-oauth2's members, set once. */
export interface LoginSettings {
  readonly flow: WhopFlow;
  /** The `timeout` option: one deadline on every step before verify. */
  readonly timeout: number;
  readonly codeStore: CodeStore;
  /** The session store passport-oauth2 made for the options: it needs `req.session`. */
  readonly sessionStore: StateStore | undefined;
  /** The key of the company's signature in the state. */
  readonly clientSecret: string | undefined;
  /** Scrubbed from every error: the client secret, in each form it is sent. */
  readonly secrets: readonly string[];
  readonly exchanger: Exchanger;
  readonly profiles: ProfileLoader;
  /** The resources a login needs access to (one of), when `requireAccess` is set. */
  readonly requireAccess: readonly string[] | undefined;
  readonly access: AccessChecker;
}

/** One callback request, as `authenticate()` read it. */
export interface Callback {
  readonly code: string;
  /** The `state` Whop sent back. */
  readonly state: string | undefined;
  /** The `scope` Whop echoed (the legacy flow's company). */
  readonly scope: string | undefined;
  readonly callbackURL: string | undefined;
  readonly meta: StateMetadata;
  /**
   * The company this route or the strategy asks for: what the login is checked against when
   * its state names none (a state store that gives out no handle, or an app's string state).
   */
  readonly company: string | undefined;
  /** The options passed to `authenticate()`, for `tokenParams`. */
  readonly options: object;
}

/** What the state store gave back, once: the PKCE verifier, the app's state, the company. */
interface Checked {
  readonly verifier: string | undefined;
  readonly appState: unknown;
  readonly company: string | undefined;
}

/**
 * The callback, from the state to verify, in order: the state store's answer, the company,
 * the single-use claim of the code, the token exchange (and in OAuth 2.1 the ID token), the
 * profile, the access check, then the app's verify function. One deadline (the `timeout`
 * option) covers every step before verify; a `LoginFailure` ends the login with `fail`, any
 * other error with `error`, scrubbed of the login's secrets.
 *
 * @internal
 */
export async function finishLogin(
  strategy: OAuth2Members,
  settings: LoginSettings,
  req: Request,
  callback: Callback,
): Promise<void> {
  const deadline = new Deadline(settings.timeout);
  const secrets: unknown[] = [callback.code, callback.state, ...settings.secrets];
  let answer: () => void;
  try {
    // authenticate()'s own requireAccess (the callback route's) replaces the option's; a bad one
    // ends the login before the state and the code are spent.
    const requireAccess =
      requestedAccess(callback.options, 'WhopStrategy') ?? settings.requireAccess;
    const checked = await checkState(strategy, settings, req, callback, deadline);
    secrets.push(checked.verifier);
    if (settings.flow === 'legacy') checkCompany(callback.scope, checked.company);
    // Whop's OAuth 2.1 requires PKCE: without the verifier (a store that kept none) the exchange
    // can only fail, and it would spend the user's code.
    else if (checked.verifier === undefined)
      throw new LoginFailure(
        VERIFIER_MISSING,
        'The state store gave back no PKCE code verifier: start the login again',
      );
    await claimCode(settings.codeStore, callback.code, deadline);
    const nonce = checked.verifier === undefined ? undefined : nonceOf(checked.verifier);
    const exchange = { ...callback, verifier: checked.verifier, nonce, company: checked.company };
    const tokens = await exchangeCode(strategy, settings.exchanger, exchange, deadline).catch(
      async (error: unknown) => {
        // A code Whop refused was not spent: it leaves the record, so junk takes no room.
        await releaseCode(settings.codeStore, callback.code, error, deadline);
        throw error;
      },
    );
    secrets.push(...tokensOf(tokens.tokenParams), tokens.accessToken, tokens.refreshToken);
    const loaded = await loadProfile(strategy, settings.profiles, tokens.accessToken, deadline);
    // OpenID Connect: the userinfo must be about the user the ID token names.
    if (
      loadsOwnProfile(strategy, settings.profiles.own) &&
      !sameUser(tokens.tokenParams.id_token_claims, loaded)
    )
      throw internalError(ID_TOKEN_INVALID, 'profile', SUB_MISMATCH);
    const profile = await checkAccess(settings, requireAccess, tokens, loaded, deadline);
    deadline.clear();
    const { err, user, info } = await runVerify(strategy, req, { ...tokens, profile });
    if (err) throw err;
    answer = user
      ? () => strategy.success(user, withState(info, checked.appState))
      : () => strategy.fail(info);
  } catch (error) {
    answer =
      error instanceof LoginFailure
        ? () => strategy.fail(error.info(), error.status)
        : error instanceof AccessRefused
          ? () => strategy.fail({ message: error.message, code: error.code }, error.status)
          : () => strategy.error(scrubError(error, secrets));
  } finally {
    deadline.clear();
  }
  respond(strategy, answer);
}

/**
 * Ends the request as the login says. Passport's handling of `success` and `fail` can throw
 * (passport 0.6+ with a session lacking `regenerate`, `failureFlash` without connect-flash,
 * `failureMessage` without a session, a custom callback that throws): that reaches `error`, a
 * 500 through `next(err)`, as passport-oauth2's try around verify makes it, never a hang.
 *
 * @internal
 */
export function respond(strategy: Pick<OAuth2Members, 'error'>, answer: () => void): void {
  try {
    answer();
  } catch (error) {
    strategy.error(error);
  }
}

/** The state store's answer, within the login's deadline; its refusal fails the login (403). */
async function checkState(
  strategy: OAuth2Members,
  settings: LoginSettings,
  req: Request,
  callback: Callback,
  deadline: Deadline,
): Promise<Checked> {
  const store = strategy._stateStore;
  if (store === settings.sessionStore && !(req as { session?: unknown }).session) throw noSession();
  const returned = unbindState(callback.state);
  const { ok, state } = await deadline.run(
    'state',
    new Promise<{ ok: unknown; state: unknown }>((resolve, reject) => {
      // A store that throws fails as one that calls back with the error (its first answer counts).
      try {
        verifyState(store, req, returned.handle, callback.meta, (err, ok, state) =>
          err ? reject(storeFailed(err)) : resolve({ ok, state }),
        );
      } catch (error) {
        reject(storeFailed(error));
      }
    }),
  );
  if (!ok) throw new StateRefused(state);
  // PKCE stores answer the code verifier as `ok`.
  const verifier = typeof ok === 'string' ? ok : undefined;
  if (returned.company === undefined)
    return { verifier, appState: state, company: callback.company };
  if (!isSigned(returned, settings.clientSecret ?? verifier))
    throw new LoginFailure(
      STATE_INVALID,
      'The login state was changed on its way back from Whop: start the login again',
    );
  return { verifier, appState: state, company: returned.company };
}

/**
 * The state store's refusal, passed to `fail` as the store gave it (passport-oauth2's stores give
 * `{ message }`; a plain object gets the failure's `code` beside its message).
 */
class StateRefused extends LoginFailure {
  constructor(private readonly refusal: unknown) {
    super(STATE_INVALID, 'The state store refused the login state');
  }

  override info(): never {
    const refusal = this.refusal;
    const plain =
      typeof refusal === 'object' &&
      refusal !== null &&
      Object.getPrototypeOf(refusal) === Object.prototype &&
      !('code' in refusal);
    return (plain ? { ...refusal, code: this.code } : refusal) as never;
  }
}

/** `requireAccess`: the user's access to the resources, within the login's deadline. */
async function checkAccess(
  settings: LoginSettings,
  requireAccess: readonly string[] | undefined,
  tokens: ExchangedTokens,
  profile: WhopProfile | undefined,
  deadline: Deadline,
): Promise<WhopProfile | undefined> {
  if (requireAccess === undefined) return profile;
  // Without a profile (skipUserProfile), the ID token names the user.
  const userId = profile?.id ?? tokens.tokenParams.id_token_claims?.sub;
  if (userId === undefined)
    throw new TypeError(
      'WhopStrategy needs the profile or an ID token to check requireAccess: do not skip the profile',
    );
  // The checks (several at once, shared between logins) each get the time left, and the login
  // stops waiting when it is up.
  const http = { ...settings.exchanger.http, timeout: Math.max(1, deadline.remaining()) };
  const checking = admit(settings.access, requireAccess, tokens.accessToken, userId, http);
  const access = await deadline.run('access', checking);
  if (typeof access === 'string') throw new LoginFailure(NO_ACCESS, access);
  return profile && { ...profile, access };
}

import OAuth2Strategy from 'passport-oauth2';
import { admit } from '../whop/access.js';
import type { CallbackParams, LoginChecks } from './callback.js';
import type { Deadline } from './deadline.js';
import { ID_TOKEN_INVALID, INVALID_RESPONSE } from '../whop/error-codes.js';
import { internalError } from '../whop/errors.js';
import type { WhopClient } from '../whop/client.js';
import { tokensOf } from '../whop/exchange.js';
import { sameUser, SUB_MISMATCH } from '../whop/id-token.js';
import { answerError, isSuccess, send } from '../whop/http.js';
import { parseProfile, type WhopProfile } from '../whop/profile.js';
import { scrubError } from '../whop/scrub.js';
import { AccessRefused, requestedAccess } from './require-access.js';
import type { Carried } from './state.js';
import type { Tokens } from './verify.js';

/** A callback's code, what its state store gave back, and what the exchange sends with it. */
export interface Login extends CallbackParams {
  readonly callbackURL: string | undefined;
  readonly nonce: string | undefined;
  /** The one limit on the callback's steps (the `timeout` option). */
  readonly deadline: Deadline;
}

/** passport-oauth2's `_loadUserProfile`: `userProfile`, unless `skipUserProfile` says skip. */
type ProfileLoader = (
  accessToken: string,
  done: (err?: unknown, profile?: WhopProfile) => void,
) => void;

/** What a login that asked for no company asked for. */
const NO_COMPANY = Object.freeze({ company: undefined });

/**
 * The error a subclass's `parseErrorResponse(body, status)` makes of a failed token answer, as
 * passport-oauth2 asks it; passport-oauth2's own (RFC 6749 only, always status 500) is not
 * asked: this package reads Whop's error shapes with the real status.
 *
 * @internal
 */
export function customTokenError(strategy: OAuth2Strategy, body: string, status: number): unknown {
  const parse = strategy.parseErrorResponse;
  if (parse === OAuth2Strategy.prototype.parseErrorResponse) return undefined;
  return parse.call(strategy, body, status);
}

/** What the login steps need of the strategy, set once in its constructor. */
export interface LoginStepSettings {
  readonly checks: LoginChecks;
  /** The strategy's way to Whop: the exchange, the transport settings, the access checks. */
  readonly client: WhopClient;
  readonly userProfileURL: string;
  /** The resources a login needs access to (one of), when `requireAccess` is set. */
  readonly requireAccess: readonly string[] | undefined;
  /** The strategy's company, asked for when `authenticate()` names none. */
  readonly company: string | undefined;
  /** Whether the state store gives back what the redirect asked for (see `carriesState`). */
  readonly storeCarries: boolean;
  /** WhopStrategy's own `userProfile`: while a strategy keeps it, the profile is fetched directly. */
  readonly ownUserProfile: OAuth2Strategy['userProfile'];
  /** A subclass's `parseErrorResponse`, for the token step (see `customTokenError`). */
  readonly parseError: (body: string, status: number) => unknown;
}

/**
 * The callback's steps once the state store has accepted the state: the company and code checks,
 * the token request, the profile and the access check, all within the login's deadline.
 *
 * @internal
 */
export class LoginSteps {
  constructor(private readonly settings: LoginStepSettings) {}

  /**
   * What the login asked for, when known: what the store carried; with a store that carries state
   * but gave back no Carried object, no company (the strategy carries one whenever it is asked
   * for); with a store that cannot carry it, the company this callback asks for, if any.
   */
  requested(scope: string | undefined, carried: Carried | undefined): Login['requested'] {
    if (carried) return { company: carried.company ?? undefined };
    if (this.settings.storeCarries) return NO_COMPANY;
    const company = scope ?? this.settings.company;
    return company === undefined ? undefined : { company };
  }

  /**
   * The company and code checks, the exchange and the profile; a string is a failure message.
   * `strategy`'s hooks (`tokenParams`, `userProfile`, `skipUserProfile`) are called as
   * passport-oauth2 calls them.
   */
  async exchange(
    strategy: OAuth2Strategy,
    options: object,
    login: Login,
  ): Promise<Tokens | string> {
    const { deadline } = login;
    // authenticate()'s own requireAccess (the callback route's) replaces the option's; a bad one
    // ends the login before the code is spent.
    let requireAccess: readonly string[] | undefined;
    try {
      requireAccess = requestedAccess(options, 'WhopStrategy') ?? this.settings.requireAccess;
    } catch (error) {
      if (error instanceof AccessRefused) return error.message;
      throw error;
    }
    const failure = await this.settings.checks.afterState(login, deadline);
    if (failure) return failure;
    const params = strategy.tokenParams(options) as Record<string, unknown>;
    params.grant_type = 'authorization_code';
    params.redirect_uri = login.callbackURL;
    if (login.verifier !== undefined) params.code_verifier = login.verifier;
    const tokens = await this.settings.client.tokens
      .exchange(login.code, params, login.nonce, deadline, this.settings.parseError)
      .catch(async (error: unknown) => {
        // A code Whop refused was not spent: it leaves the record, so junk takes no room.
        await this.settings.checks.release(login.code, error, deadline);
        throw error;
      });
    // Whop's token response does not say which company the tokens are for, and a refresh must
    // name the same one: tell the verify function what this login asked for.
    const company = login.requested?.company;
    if (company !== undefined) (tokens.tokenParams as { company_id?: string }).company_id = company;
    try {
      const profile = await this.loadProfile(strategy, tokens.accessToken, deadline);
      const claims = tokens.tokenParams.id_token_claims;
      if (strategy.userProfile === this.settings.ownUserProfile && !sameUser(claims, profile))
        throw internalError(ID_TOKEN_INVALID, 'profile', SUB_MISMATCH);
      if (requireAccess === undefined) return { ...tokens, profile };
      // Without a profile (skipUserProfile), the ID token names the user.
      const userId = profile?.id ?? tokens.tokenParams.id_token_claims?.sub;
      if (userId === undefined)
        throw new TypeError(
          'WhopStrategy needs the profile or an ID token to check requireAccess: do not skip the profile',
        );
      // Within the login's deadline: the checks (several at once, shared between logins) each
      // get the time left, and the login stops waiting when it is up.
      const { client } = this.settings;
      const http = { agent: client.http.agent, timeout: Math.max(1, deadline.remaining()) };
      const checking = admit(client.access, requireAccess, tokens.accessToken, userId, http);
      const access = await deadline.run('access', checking);
      if (typeof access === 'string') return access;
      return { ...tokens, profile: profile && { ...profile, access } };
    } catch (error) {
      throw scrubError(error, tokensOf(tokens.tokenParams).concat(tokens.refreshToken));
    }
  }

  /**
   * The profile, within the login's deadline: the strategy's own `userProfile` request ends when
   * time is up; an overridden one (or `skipUserProfile`, passport-oauth2's hook) is waited for
   * until then.
   */
  private loadProfile(
    strategy: OAuth2Strategy,
    accessToken: string,
    deadline: Deadline,
  ): Promise<WhopProfile | undefined> {
    const self = strategy as unknown as {
      _loadUserProfile: ProfileLoader;
      _skipUserProfile: unknown;
    };
    if (strategy.userProfile === this.settings.ownUserProfile && self._skipUserProfile === false)
      return this.fetchProfile(accessToken, deadline);
    const loading = new Promise<WhopProfile | undefined>((resolve, reject) => {
      self._loadUserProfile(accessToken, (err, loaded) => (err ? reject(err) : resolve(loaded)));
    });
    return deadline.run('profile', loading);
  }

  /** The profile request; any failure is the profile step's, an InternalOAuthError. */
  async fetchProfile(accessToken: string, deadline?: Deadline): Promise<WhopProfile> {
    const request = {
      step: 'profile',
      url: this.settings.userProfileURL,
      bearer: accessToken,
      headers: this.settings.client.headers,
    } as const;
    const response = await send(request, this.settings.client.http, deadline);
    try {
      if (!isSuccess(response)) throw answerError('profile', response, [accessToken]);
      try {
        return parseProfile(response.text);
      } catch (error) {
        throw internalError(INVALID_RESPONSE, 'profile', (error as Error).message, {
          cause: error,
        });
      }
    } catch (error) {
      // Whop's 401 may quote the token it was sent.
      throw scrubError(error, [accessToken]);
    }
  }
}

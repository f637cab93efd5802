import OAuth2Strategy from 'passport-oauth2';
import type { ExchangeMethod } from '../whop/exchange.js';
import type { StateStore } from './state.js';
import type { AnyVerify } from './verify.js';

// passport-oauth2 reads its members at each request, and apps rely on it: a subclass sets
// `_callbackURL` per tenant, a unit test stubs `_oauth2.getOAuthAccessToken`, a proxy setup calls
// `_oauth2.setAgent`. The login reads them the same way, through the types below, and takes its
// own faster way only where a member still holds what WhopStrategy put there.

/** node-oauth's `OAuth2` (passport-oauth2's `_oauth2`), as passport-oauth2 and node-oauth read it. */
export interface NodeOAuth2 {
  readonly _clientId: string;
  readonly _clientSecret: string;
  readonly _authorizeUrl: string;
  readonly _accessTokenUrl: string;
  readonly _accessTokenName: string;
  readonly _authMethod: string;
  readonly _useAuthorizationHeaderForGET: boolean;
  readonly _customHeaders: Readonly<Record<string, string>> | undefined;
  readonly _agent: unknown;
  getOAuthAccessToken: ExchangeMethod;
  get(
    url: string,
    accessToken: string,
    callback: (err: { statusCode?: number; data?: unknown } | null, body?: unknown) => void,
  ): void;
}

/** What `done` of `_loadUserProfile` and `userProfile` is called with. */
export type ProfileCallback = (err?: unknown, profile?: unknown) => void;

/**
 * The members of passport-oauth2's `OAuth2Strategy` (and of Passport's strategy, augmented per
 * request) that a login reads, each when it needs it.
 */
export interface OAuth2Members {
  readonly _oauth2: NodeOAuth2;
  readonly _callbackURL: string | undefined;
  readonly _scope: unknown;
  readonly _scopeSeparator: string;
  readonly _pkceMethod: unknown;
  readonly _stateStore: StateStore;
  readonly _trustProxy: unknown;
  readonly _skipUserProfile: unknown;
  readonly _verify: AnyVerify;
  readonly _passReqToCallback: unknown;
  _loadUserProfile(accessToken: string, done: ProfileCallback): void;
  _createOAuthError(message: string, err: unknown): Error;
  userProfile(accessToken: string, done: ProfileCallback): void;
  authorizationParams(options: object): object;
  tokenParams(options: object): object;
  parseErrorResponse(body: string, status: number): Error | null;
  success(user: Express.User, info?: unknown): void;
  fail(challenge?: unknown, status?: number): void;
  error(err: unknown): void;
  redirect(url: string, status?: number): void;
}

/** The strategy as the login reads it. */
export function membersOf(strategy: OAuth2Strategy): OAuth2Members {
  return strategy as unknown as OAuth2Members;
}

/**
 * Whether the profile is WhopStrategy's own request, as its constructor set it up: neither
 * `_loadUserProfile` nor `userProfile` overridden, and no `skipUserProfile`. Then the profile
 * request runs within the login's deadline; otherwise passport-oauth2's `_loadUserProfile` is
 * called, as passport-oauth2 calls it.
 */
export function loadsOwnProfile(
  strategy: OAuth2Members,
  ownUserProfile: OAuth2Members['userProfile'],
): boolean {
  return (
    strategy._skipUserProfile === false &&
    strategy.userProfile === ownUserProfile &&
    strategy._loadUserProfile ===
      (OAuth2Strategy.prototype as unknown as OAuth2Members)._loadUserProfile
  );
}

/**
 * Whether node-oauth's `get` would send the profile request as WhopStrategy's own client sends
 * it: `get` not replaced, and the token in an `Authorization: Bearer` header (WhopStrategy's
 * setting; `useAuthorizationHeaderforGET(false)`, `setAuthMethod` or `setAccessTokenName` change
 * what node-oauth sends, and then node-oauth sends it).
 */
export function getsAsWhop(oauth2: NodeOAuth2, nodeGet: NodeOAuth2['get']): boolean {
  return (
    oauth2.get === nodeGet &&
    oauth2._useAuthorizationHeaderForGET === true &&
    oauth2._authMethod === 'Bearer'
  );
}

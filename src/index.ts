export { WhopStrategy, WhopStrategy as Strategy } from './strategy.js';
export type { WhopAuthenticateOptions } from './flow/authorize.js';
export { WhopAppStrategy } from './app-strategy.js';
export type {
  WhopAppAuthenticateOptions,
  WhopAppStrategyOptions,
  WhopAppStrategyOptionsBase,
  WhopAppStrategyOptionsWithRequest,
  WhopAppUser,
  WhopAppVerifyFunction,
  WhopAppVerifyFunctionWithRequest,
} from './app-options.js';
export {
  USER_TOKEN_ALGORITHM,
  USER_TOKEN_AUDIENCE,
  USER_TOKEN_EXPIRED,
  USER_TOKEN_ISSUER_INVALID,
  USER_TOKEN_MALFORMED,
  USER_TOKEN_MISSING,
  USER_TOKEN_NO_EXPIRY,
  USER_TOKEN_NO_SUBJECT,
  USER_TOKEN_NOT_YET_VALID,
  USER_TOKEN_SIGNATURE,
} from './whop/user-token.js';
export { NOT_A_RESOURCE } from './flow/require-access.js';
export { withParams, withRequestAndParams } from './flow/verify.js';
export type {
  VerifyArguments,
  VerifyCallback,
  VerifyForm,
  VerifyFunction,
  VerifyResult,
} from './flow/verify.js';
export { AuthorizationError, InternalOAuthError, TokenError } from 'passport-oauth2';
export { WhopAuthorizationError, WhopInternalOAuthError, WhopTokenError } from './whop/errors.js';
export type { OAuthErrorData, WhopErrorDetails, WhopStep } from './whop/errors.js';
export {
  CALLBACK_MALFORMED,
  CODE_ALREADY_USED,
  CODE_STORE_FAILED,
  COMPANY_MISMATCH,
  HOST_INVALID,
  HTTP_ERROR,
  ID_TOKEN_INVALID,
  INVALID_RESPONSE,
  LOGIN_DECLINED,
  NO_ACCESS,
  RATE_LIMITED,
  REFRESH_LOCK_FAILED,
  REQUEST_FAILED,
  RESPONSE_TOO_LARGE,
  SESSION_MISSING,
  STATE_INVALID,
  STATE_STORE_FAILED,
  TIMED_OUT,
  VERIFIER_MISSING,
} from './whop/error-codes.js';
export type { WhopErrorCode } from './whop/error-codes.js';
export { CodeStoreFullError, MemoryCodeStore } from './stores/codes.js';
export type { CodeStore, MemoryCodeStoreOptions } from './stores/codes.js';
export { RedisCodeStore } from './stores/redis-code-store.js';
export type {
  IoRedisClientLike,
  NodeRedisClientLike,
  RedisClientLike,
  RedisCodeStoreOptions,
} from './stores/redis-code-store.js';
export { RedisRefreshLock } from './stores/refresh-lock.js';
export type { LockedRefresh, RedisRefreshLockOptions, RefreshLock } from './stores/refresh-lock.js';
export type {
  IoRedisScriptClientLike,
  NodeRedisScriptClientLike,
  RedisScriptClientLike,
} from './stores/redis-clients.js';
export { CookieStateStore } from './stores/cookie-state-store.js';
export type {
  CookieRequest,
  CookieResponse,
  CookieStateStoreOptions,
} from './stores/cookie-state-store.js';
export { parseProfile } from './whop/profile.js';
export { revokeToken } from './revoke.js';
export { checkAccess } from './check-access.js';
export type { CheckAccessOptions } from './check-access.js';
export type { WhopAccess, WhopAccessLevel, WhopAccessLevels } from './whop/access.js';
export type { IdTokenClaims } from './whop/id-token.js';
export type {
  WhopCommonOptions,
  WhopEnvironment,
  WhopFlow,
  WhopOAuth21Options,
  WhopOAuth21OptionsBase,
  WhopOAuth21OptionsWithRequest,
  WhopStrategyOptions,
  WhopStrategyOptionsBase,
  WhopStrategyOptionsWithRequest,
} from './options.js';
export type { WhopProfile } from './whop/profile.js';
export { isExpired, refreshAccessToken } from './refresh.js';
export type { RefreshOptions, WhopTokens } from './refresh.js';
export type {
  StateMetadata,
  StateStore,
  StoreCallback,
  VerifyStateCallback,
} from './flow/state.js';
export type { WhopTokenParams } from './whop/tokens.js';

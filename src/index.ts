export { WhopStrategy, WhopStrategy as Strategy } from './strategy.js';
export type { WhopAuthenticateOptions } from './flow/authorize.js';
export { withParams, withRequestAndParams } from './flow/verify.js';
export type {
  AsyncVerifyFunction,
  AsyncVerifyFunctionWithParams,
  AsyncVerifyFunctionWithRequest,
  AsyncVerifyFunctionWithRequestAndParams,
  VerifyCallback,
  VerifyFunction,
  VerifyFunctionWithParams,
  VerifyFunctionWithRequest,
  VerifyFunctionWithRequestAndParams,
  VerifyResult,
} from './flow/verify.js';
export { AuthorizationError, InternalOAuthError, TokenError } from 'passport-oauth2';
export { MemoryCodeStore } from './stores/codes.js';
export type { CodeStore, MemoryCodeStoreOptions } from './stores/codes.js';
export { RedisCodeStore } from './stores/redis-code-store.js';
export type {
  IoRedisClientLike,
  NodeRedisClientLike,
  RedisClientLike,
  RedisCodeStoreOptions,
} from './stores/redis-code-store.js';
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

export { WhopStrategy, WhopStrategy as Strategy } from './strategy.js';
export type { WhopAuthenticateOptions } from './authorize.js';
export { withParams, withRequestAndParams } from './verify.js';
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
} from './verify.js';
export { AuthorizationError, InternalOAuthError, TokenError } from 'passport-oauth2';
export { MemoryCodeStore } from './codes.js';
export type { CodeStore, MemoryCodeStoreOptions } from './codes.js';
export { RedisCodeStore } from './redis-code-store.js';
export type {
  IoRedisClientLike,
  NodeRedisClientLike,
  RedisClientLike,
  RedisCodeStoreOptions,
} from './redis-code-store.js';
export { CookieStateStore } from './cookie-state-store.js';
export type {
  CookieRequest,
  CookieResponse,
  CookieStateStoreOptions,
} from './cookie-state-store.js';
export { parseProfile } from './profile.js';
export { revokeToken } from './revoke.js';
export { checkAccess } from './check-access.js';
export type { CheckAccessOptions } from './check-access.js';
export type { WhopAccess, WhopAccessLevel, WhopAccessLevels } from './access.js';
export type { IdTokenClaims } from './id-token.js';
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
export type { WhopProfile } from './profile.js';
export { isExpired, refreshAccessToken } from './refresh.js';
export type { RefreshOptions, WhopTokens } from './refresh.js';
export type { StateMetadata, StateStore, StoreCallback, VerifyStateCallback } from './state.js';
export type { WhopTokenParams } from './tokens.js';

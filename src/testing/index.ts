export { startMockWhop } from './mock-whop.js';
export type { MockWhop, MockWhopOptions, MockWhopRequest } from './mock-whop.js';
export { MOCK_CLIENT, MOCK_REDIRECT_URIS, MOCK_USER } from './model.js';
export type { MockWhopClient, MockWhopUser } from './model.js';
export type { ConsentOptions } from './consent.js';
export type {
  MockOAuth21StrategyOptions,
  MockOAuth21StrategyOptionsRequest,
  MockStrategyOptions,
  MockStrategyOptionsRequest,
} from './strategy-options.js';
export type { MockAccessLevel } from './access.js';
export { MOCK_USER_TOKEN_ISSUER } from './user-tokens.js';
export type { MockAppStrategyOptions, MockUserTokenOptions } from './user-tokens.js';
export type { RefreshTokenReuse } from './grants.js';

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

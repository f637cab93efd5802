// How the demo is configured: from the environment (server.ts) or by a test (test/e2e.test.ts).
import { MOCK_USER, type MockWhop, type MockWhopUser } from 'passport-whop/testing';

export type DemoFlow = 'legacy' | 'oauth2.1';
export type DemoEnvironment = 'production' | 'sandbox';

/** Whop's endpoints, when they are not Whop's own (the mock's). */
export interface DemoEndpoints {
  readonly authorizationURL: string;
  readonly tokenURL: string;
  readonly userProfileURL: string;
  /** Where access is checked. */
  readonly apiURL?: string;
  /** OAuth 2.1 only. */
  readonly jwksURL?: string;
  readonly issuer?: string;
  readonly revocationURL?: string;
}

/** What `createDemoApp` takes. */
export interface DemoConfig {
  readonly clientID: string;
  readonly clientSecret: string;
  /** Which of Whop's OAuth flows to use (default `legacy`). */
  readonly flow?: DemoFlow;
  /** Absolute, or a path resolved against each request's host. */
  readonly callbackURL: string;
  /** A company (`biz_...`) to log in on behalf of. */
  readonly company?: string;
  /** Let in only users with access to one of these (`requireAccess`), and re-check on each page. */
  readonly requireAccess?: readonly string[];
  /** How long an access answer is reused, in ms (the strategy's default when left out). */
  readonly accessMaxAge?: number;
  /** Whop's sandbox instead of production (OAuth 2.1 only). */
  readonly environment?: DemoEnvironment;
  /** Leave out for the real Whop. */
  readonly endpoints?: DemoEndpoints;
  /** Signs the session cookie. */
  readonly sessionSecret: string;
  /** The mock's URL, for the banner on every page; leave out for the real Whop. */
  readonly mockURL?: string;
  /** Where the app reports errors it turned into a page (default: console.error). */
  readonly log?: (line: string) => void;
}

/** What the environment asks for; `whop: 'mock'` when no credentials are set. */
export type DemoSettings = {
  readonly port: number;
  readonly flow: DemoFlow;
  readonly company: string | undefined;
  readonly requireAccess: readonly string[] | undefined;
  readonly environment: DemoEnvironment;
  readonly callbackURL: string | undefined;
  /** Undefined: a random one for this run. */
  readonly sessionSecret: string | undefined;
} & (
  | { readonly whop: 'real'; readonly clientID: string; readonly clientSecret: string }
  | { readonly whop: 'mock' }
);

/** A setting the demo cannot start with; the message says which variable to fix. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

// The strategy's rule, checked here to name the variable: Whop requires https outside localhost.
function isCallbackURL(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol, hostname } = new URL(text);
  return (
    protocol === 'https:' ||
    (protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(hostname))
  );
}

/** Read the demo's environment variables, or throw a `ConfigError` naming the one at fault. */
export function readSettings(env: NodeJS.ProcessEnv): DemoSettings {
  const portText = value(env, 'PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new ConfigError(`PORT must be a port number (0 to 65535), not ${portText}`);
  }
  const flow = value(env, 'WHOP_FLOW') ?? 'legacy';
  if (flow !== 'legacy' && flow !== 'oauth2.1') {
    throw new ConfigError(`WHOP_FLOW must be legacy or oauth2.1, not ${flow}`);
  }
  const company = value(env, 'WHOP_COMPANY_ID');
  if (company !== undefined && !/^biz_[A-Za-z0-9]+$/.test(company)) {
    throw new ConfigError(`WHOP_COMPANY_ID must be a company ID (biz_...), not ${company}`);
  }
  const requireAccess = value(env, 'WHOP_REQUIRE_ACCESS')
    ?.split(/[\s,]+/)
    .filter(Boolean);
  for (const id of requireAccess ?? []) {
    if (!/^(?:biz|prod|exp)_[A-Za-z0-9]+$/.test(id)) {
      throw new ConfigError(
        `WHOP_REQUIRE_ACCESS must be product (prod_...), experience (exp_...) or company (biz_...) IDs, separated by commas, not ${id}`,
      );
    }
  }
  const environment = value(env, 'WHOP_ENVIRONMENT') ?? 'production';
  if (environment !== 'production' && environment !== 'sandbox') {
    throw new ConfigError(`WHOP_ENVIRONMENT must be production or sandbox, not ${environment}`);
  }
  if (environment === 'sandbox' && flow !== 'oauth2.1') {
    throw new ConfigError(
      "WHOP_ENVIRONMENT=sandbox needs WHOP_FLOW=oauth2.1: Whop's sandbox serves only that flow",
    );
  }
  const callbackURL = value(env, 'WHOP_CALLBACK_URL');
  if (callbackURL !== undefined && !isCallbackURL(callbackURL)) {
    throw new ConfigError(
      `WHOP_CALLBACK_URL must be an https: URL, or an http: URL on localhost, not ${callbackURL}`,
    );
  }
  const common = {
    port,
    flow: flow as DemoFlow,
    company,
    requireAccess,
    environment: environment as DemoEnvironment,
    callbackURL,
    sessionSecret: value(env, 'SESSION_SECRET'),
  };
  const clientID = value(env, 'WHOP_CLIENT_ID');
  const clientSecret = value(env, 'WHOP_CLIENT_SECRET');
  if (clientID !== undefined && clientSecret !== undefined) {
    return { ...common, whop: 'real', clientID, clientSecret };
  }
  if (clientID !== undefined || clientSecret !== undefined) {
    const missing = clientID === undefined ? 'WHOP_CLIENT_ID' : 'WHOP_CLIENT_SECRET';
    const given = clientID === undefined ? 'WHOP_CLIENT_SECRET' : 'WHOP_CLIENT_ID';
    throw new ConfigError(
      `${given} is set but ${missing} is not: set both to use the real Whop, or neither to use the mock Whop`,
    );
  }
  return { ...common, whop: 'mock' };
}

/** With WHOP_REQUIRE_ACCESS and the mock: a second user, who has access to nothing. */
export const MOCK_NON_MEMBER: MockWhopUser = Object.freeze({
  id: 'user_mock_2',
  username: 'nonmember',
  name: 'Not A Member',
  email: 'not.a.member@example.com',
});

/** The mock's users for the demo: with `requireAccess`, a member of every resource and a non-member. */
export function mockUsers(requireAccess: readonly string[] | undefined): MockWhopUser[] {
  return requireAccess ? [MOCK_USER, MOCK_NON_MEMBER] : [MOCK_USER];
}

/** Make {@link MOCK_USER} a customer of every resource the demo requires. */
export function grantMockAccess(
  whop: MockWhop,
  requireAccess: readonly string[] | undefined,
): void {
  for (const resource of requireAccess ?? []) whop.setAccess(MOCK_USER.id, resource, 'customer');
}

/** The mock's endpoints for a flow. */
export function mockEndpoints(whop: MockWhop, flow: DemoFlow): DemoEndpoints {
  const { apiURL } = whop;
  if (flow === 'legacy') {
    const { authorizationURL, tokenURL, userProfileURL } = whop;
    return { authorizationURL, tokenURL, userProfileURL, apiURL };
  }
  const { authorizationURL, tokenURL, userInfoURL, jwksURL, issuer, revocationURL } = whop.oauth21;
  return {
    authorizationURL,
    tokenURL,
    userProfileURL: userInfoURL,
    jwksURL,
    issuer,
    revocationURL,
    apiURL,
  };
}

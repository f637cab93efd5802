// Every login app the bench can run, and the flows that compare them: each flow sets WhopStrategy
// against its own peer (the library an app would use instead) and its own floor (the least a
// strategy can do for the same requests). Each app is made in its own process (app-process.ts),
// loading only its own strategy's library.
import type { Strategy } from 'passport';
import { WHOP_PROFILE_PATH } from '../paths.js';

interface AppSpec {
  /** As the flow's table shows it. */
  readonly label: string;
  /** As the targets table shows it. */
  readonly short: string;
  /** The strategy, given the fake Whop's origin and the app's own. */
  readonly create: (whop: string, origin: string) => Promise<Strategy>;
}

const legacy = () => import('./legacy.js');
const oauth21 = () => import('./oauth21.js');

async function legacyFloor(whop: string, withAccess: boolean): Promise<Strategy> {
  const [{ FloorStrategy }, { legacyEndpoints, accessURL }, { verify }] = await Promise.all([
    import('./floor.js'),
    legacy(),
    import('./verify.js'),
  ]);
  return new FloorStrategy(
    {
      ...legacyEndpoints(whop),
      userProfileURL: `${whop}${WHOP_PROFILE_PATH}`,
      ...(withAccess && { accessURL: (user: string) => accessURL(whop, user) }),
    },
    verify,
  );
}

export const APPS = {
  'whop-legacy': {
    label: 'WhopStrategy (passport-whop)',
    short: 'WhopStrategy',
    create: async (whop) => (await legacy()).createWhopStrategy(whop),
  },
  oauth2: {
    label: 'OAuth2Strategy (passport-oauth2)',
    short: 'OAuth2Strategy',
    create: async (whop) => (await legacy()).createOAuth2Strategy(whop),
  },
  github2: {
    label: 'GitHubStrategy (passport-github2)',
    short: 'GitHubStrategy',
    create: async (whop) => (await legacy()).createGitHubStrategy(whop),
  },
  'floor-legacy': {
    label: 'Floor (passport-strategy + node:http)',
    short: 'floor',
    create: (whop) => legacyFloor(whop, false),
  },
  'whop-oauth21': {
    label: "WhopStrategy, flow: 'oauth2.1'",
    short: 'WhopStrategy',
    create: async (whop) => (await oauth21()).createWhopOIDCStrategy(whop),
  },
  'openid-client': {
    label: 'openid-client/passport Strategy (v6)',
    short: 'openid-client',
    create: async (whop, origin) => (await oauth21()).createOpenIDClientStrategy(whop, origin),
  },
  'floor-oauth21': {
    label: 'Floor (passport-strategy + node:http + node:crypto)',
    short: 'floor',
    create: async (whop) => {
      const [{ FloorOIDCStrategy }, { oidcEndpoints, OIDC_SCOPE }, { legacyEndpoints }] =
        await Promise.all([import('./floor-oauth21.js'), oauth21(), legacy()]);
      const { clientID, clientSecret, callbackURL } = legacyEndpoints(whop);
      const { verify } = await import('./verify.js');
      return new FloorOIDCStrategy(
        { clientID, clientSecret, callbackURL, scope: OIDC_SCOPE, ...oidcEndpoints(whop) },
        verify,
      );
    },
  },
  'whop-access': {
    label: "WhopStrategy, requireAccess: 'prod_…'",
    short: 'WhopStrategy + requireAccess',
    create: async (whop) => {
      const { BENCH_RESOURCE } = await import('./verify.js');
      return (await legacy()).createWhopStrategy(whop, BENCH_RESOURCE);
    },
  },
  'oauth2-access': {
    label: 'OAuth2Strategy + one access request in verify',
    short: 'OAuth2Strategy + access request',
    create: async (whop) => (await legacy()).createOAuth2AccessStrategy(whop),
  },
  'floor-access': {
    label: 'Floor + one access request (node:http)',
    short: 'floor',
    create: (whop) => legacyFloor(whop, true),
  },
} satisfies Record<string, AppSpec>;

export type AppName = keyof typeof APPS;

export function isAppName(name: string): name is AppName {
  return Object.hasOwn(APPS, name);
}

/** One side-by-side comparison: its apps run at once, in every round. */
export interface LoginFlow {
  /** The measurement's name: `logins-legacy`. */
  readonly name: string;
  readonly title: string;
  /** WhopStrategy, set up for this flow. */
  readonly subject: AppName;
  /** What an app would use instead: the ratio's denominator and the target's. */
  readonly peer: AppName;
  readonly floor: AppName;
  /** Shown for reference, with no target. */
  readonly others: readonly AppName[];
}

export const FLOWS: readonly LoginFlow[] = [
  {
    name: 'logins-legacy',
    title: 'Legacy flow: token exchange, /api/v5/me',
    subject: 'whop-legacy',
    peer: 'oauth2',
    floor: 'floor-legacy',
    others: ['github2'],
  },
  {
    name: 'logins-oauth21',
    title:
      'OAuth 2.1: PKCE, state, nonce, token exchange, ES256 ID token against the JWKS, userinfo',
    subject: 'whop-oauth21',
    peer: 'openid-client',
    floor: 'floor-oauth21',
    others: [],
  },
  {
    name: 'logins-access',
    title:
      'Legacy flow and the access check: the login, then GET /api/v1/users/{user}/access/{resource}',
    subject: 'whop-access',
    peer: 'oauth2-access',
    floor: 'floor-access',
    others: [],
  },
];

/** A flow's apps in table order: WhopStrategy, its peer, the others, the floor. */
export function appsOf(flow: LoginFlow): AppName[] {
  return [flow.subject, flow.peer, ...flow.others, flow.floor];
}

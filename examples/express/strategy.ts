// The demo's WhopStrategy: either of Whop's flows, and a verify function that keeps the user's
// profile and tokens for the session.
import { WhopStrategy, withParams, type WhopProfile, type WhopTokenParams } from 'passport-whop';
import type { DemoConfig } from './config.js';
import type { DemoUser } from './pages.js';

/** The tokens of the logged-in user: kept in the server-side session, never sent to the browser. */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string | undefined;
  /** Whole Unix seconds. */
  expiresAt: number | undefined;
  scope: string | undefined;
  /** The company the login asked for (`params.company_id`): every refresh must name it. */
  companyId: string | undefined;
}

/** What the verify function hands to the callback route. */
export interface LoginResult {
  user: DemoUser;
  tokens: StoredTokens;
}

// The params form of verify (through withParams): `params.expires_at` says when the access
// token expires.
async function loginOf(
  accessToken: string,
  refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile,
): Promise<LoginResult> {
  return {
    user: {
      id: profile.id,
      username: profile.username,
      name: profile.displayName,
      email: profile.emails?.[0]?.value,
      picture: profile.photos?.[0]?.value,
      access: profile.access,
    },
    tokens: {
      accessToken,
      refreshToken,
      expiresAt: params.expires_at,
      scope: params.scope,
      companyId: params.company_id,
    },
  };
}
const verify = withParams(loginOf);

export function createStrategy(config: DemoConfig): WhopStrategy {
  const common = {
    clientID: config.clientID,
    clientSecret: config.clientSecret,
    callbackURL: config.callbackURL,
    // Undefined for the real Whop: the flow's own endpoints.
    authorizationURL: config.endpoints?.authorizationURL,
    tokenURL: config.endpoints?.tokenURL,
    userProfileURL: config.endpoints?.userProfileURL,
    apiURL: config.endpoints?.apiURL,
    // Only users with access to one of these log in; their levels arrive as profile.access.
    requireAccess: config.requireAccess,
    accessMaxAge: config.accessMaxAge,
  };
  if (config.flow === 'oauth2.1') {
    return new WhopStrategy(
      {
        ...common,
        flow: 'oauth2.1',
        environment: config.environment,
        // A company goes beside the OpenID scopes; the strategy sends it as company_id.
        scope: config.company ? ['openid', 'profile', 'email', config.company] : undefined,
        jwksURL: config.endpoints?.jwksURL,
        issuer: config.endpoints?.issuer,
        revocationURL: config.endpoints?.revocationURL,
      },
      verify,
    );
  }
  return new WhopStrategy({ ...common, flow: 'legacy', scope: config.company }, verify);
}

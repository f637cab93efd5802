// The OAuth 2.1 / OpenID Connect flow's apps: PKCE S256, state and nonce, the token exchange, an
// ES256 ID token checked against the JWKS, then userinfo. WhopStrategy (`flow: 'oauth2.1'`) and
// its peer, openid-client's Passport strategy (v6), making the same requests to the same fake Whop.
import type { Request } from 'express';
import * as client from 'openid-client';
import type { Strategy } from 'passport';
import { Strategy as OpenIDStrategy, type AuthenticateOptions } from 'openid-client/passport';
import { WhopStrategy } from 'passport-whop';
import { BENCH_CLIENT_ID } from '../fake-whop-oidc.js';
import {
  CALLBACK_PATH,
  JWKS_PATH,
  OIDC_AUTHORIZE_PATH,
  OIDC_TOKEN_PATH,
  USERINFO_PATH,
} from '../paths.js';
import { verify } from './verify.js';

export const OIDC_SCOPE = 'openid profile email';
const CLIENT_SECRET = 'bench secret';

/** The OAuth 2.1 endpoints at the fake Whop, whose origin is the issuer. */
export function oidcEndpoints(whop: string) {
  return {
    authorizationURL: `${whop}${OIDC_AUTHORIZE_PATH}`,
    tokenURL: `${whop}${OIDC_TOKEN_PATH}`,
    userProfileURL: `${whop}${USERINFO_PATH}`,
    jwksURL: `${whop}${JWKS_PATH}`,
    issuer: whop,
  };
}

export function createWhopOIDCStrategy(whop: string): WhopStrategy {
  // PKCE, state and nonce are always on in this flow; the default scope is OIDC_SCOPE.
  return new WhopStrategy(
    {
      flow: 'oauth2.1',
      clientID: BENCH_CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      callbackURL: CALLBACK_PATH,
      ...oidcEndpoints(whop),
    },
    verify,
  );
}

/**
 * openid-client's strategy sends PKCE alone when the server supports it: this one adds `state`
 * and `nonce` through its documented extension point, as WhopStrategy sends both (openid-client
 * then keeps them in the session and checks them on the callback).
 */
class StateAndNonceStrategy extends OpenIDStrategy {
  override authorizationRequestParams<TOptions extends AuthenticateOptions>(
    req: Request,
    options: TOptions,
  ): URLSearchParams {
    const params = new URLSearchParams(super.authorizationRequestParams(req, options));
    params.set('state', client.randomState());
    params.set('nonce', client.randomNonce());
    return params;
  }
}

/**
 * openid-client's Passport strategy, configured from the fake Whop's discovery document, with
 * `client_secret_post` as WhopStrategy authenticates, the ID token's ES256 signature checked
 * against the JWKS (`enableNonRepudiationChecks`: openid-client skips it by default for ID
 * tokens from the token endpoint, WhopStrategy always checks it), and userinfo fetched in
 * verify, as its docs show (WhopStrategy loads it as the profile).
 */
export async function createOpenIDClientStrategy(whop: string, origin: string): Promise<Strategy> {
  const config = await client.discovery(
    new URL(whop),
    BENCH_CLIENT_ID,
    { id_token_signed_response_alg: 'ES256' },
    client.ClientSecretPost(CLIENT_SECRET),
    // The fake Whop is plain http on loopback.
    { execute: [client.allowInsecureRequests] },
  );
  client.enableNonRepudiationChecks(config);
  const strategy = new StateAndNonceStrategy(
    {
      config,
      name: 'openid-client',
      scope: OIDC_SCOPE,
      callbackURL: `${origin}${CALLBACK_PATH}`,
    },
    (tokens, verified) => {
      const sub = tokens.claims()?.sub;
      if (sub === undefined) return verified(new Error('no ID token'));
      client.fetchUserInfo(config, tokens.access_token, sub).then(
        (info) =>
          verify(
            tokens.access_token,
            tokens.refresh_token,
            { id: info.sub, displayName: info.name },
            verified,
          ),
        (error: Error) => verified(error),
      );
    },
  );
  // @types/passport's Strategy types `this` in authenticate() more narrowly than openid-client's
  // declaration of its subclass allows; passport calls it as openid-client expects.
  return strategy as unknown as Strategy;
}

// Whop's OAuth 2.1 / OpenID Connect flow (shared/WHOP_API.md part 2): PKCE S256 always, public
// and confidential clients, an ES256 id_token, userinfo and revocation.
import { createHash } from 'node:crypto';
import { carried, clientAndRedirect, type ParseAuthorization } from './authorize.js';
import type { Grant, TokenPair } from './grants.js';
import { ID_TOKEN_ALG } from './keys.js';
import { authenticateClient, COMPANY_ID, type MockContext } from './model.js';
import { presentedCode, readTokenRequest } from './token-request.js';
import {
  bearerToken,
  MockError,
  param,
  readForm,
  requireParam,
  sendJSON,
  type Exchange,
} from './wire.js';

export const DEFAULT_SCOPE = 'openid profile email';
// RFC 6749 3.3's scope-token characters.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
// RFC 7636 4.1 and 4.2: a verifier is 43-128 unreserved characters; an S256 challenge, 43.
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

const scopesOf = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean);

export const parseOAuth21Authorization: ParseAuthorization = (params, clients) => {
  const { client, redirectURI } = clientAndRedirect(params, clients);
  if (param(params, 'response_type') !== 'code') {
    throw new MockError(400, 'unsupported_response_type', 'response_type must be code');
  }
  const scopes = scopesOf(param(params, 'scope') ?? DEFAULT_SCOPE);
  if (scopes.length === 0 || !scopes.every((s) => SCOPE_TOKEN.test(s))) {
    throw new MockError(400, 'invalid_scope', 'scope must be space-separated scope names');
  }
  // PKCE is required for every client, confidential ones included (OAuth 2.1).
  const codeChallenge = param(params, 'code_challenge');
  if (codeChallenge === undefined || param(params, 'code_challenge_method') !== 'S256') {
    throw new MockError(
      400,
      'invalid_request',
      'PKCE is required: send code_challenge with code_challenge_method=S256',
    );
  }
  if (!CODE_CHALLENGE.test(codeChallenge)) {
    throw new MockError(400, 'invalid_request', 'code_challenge is not a base64url SHA-256 hash');
  }
  const companyID = param(params, 'company_id');
  if (companyID !== undefined && !COMPANY_ID.test(companyID)) {
    throw new MockError(
      400,
      'invalid_request',
      `company_id must be a company ID, not ${companyID}`,
    );
  }
  const scope = [...new Set(scopes)].join(' ');
  return {
    client,
    redirectURI,
    state: param(params, 'state'),
    grant: {
      flow: 'oauth21' as const,
      clientID: client.clientID,
      scope,
      companyID,
      nonce: param(params, 'nonce'),
    },
    codeChallenge,
    companyID,
    scopes: scopesOf(scope),
    fields: carried(params, [
      'response_type',
      'client_id',
      'redirect_uri',
      'scope',
      'state',
      'nonce',
      'code_challenge',
      'code_challenge_method',
      'company_id',
    ]),
  };
};

/** The OpenID claims a grant's scopes allow, for the id_token and userinfo. */
function claimsOf(context: MockContext, grant: Grant): Record<string, unknown> | undefined {
  const user = context.users.find((u) => u.id === grant.userID);
  if (user === undefined) return undefined;
  const scopes = scopesOf(grant.scope);
  return {
    sub: user.id,
    ...(scopes.includes('profile') && {
      name: user.name,
      preferred_username: user.username,
      picture: user.profile_pic_url,
    }),
    ...(scopes.includes('email') &&
      typeof user.email === 'string' && {
        email: user.email,
        email_verified: user.email_verified ?? false,
      }),
  };
}

async function tokenBody(context: MockContext, pair: TokenPair, withIdToken: boolean) {
  const { grant } = pair;
  const claims = claimsOf(context, grant);
  const idToken =
    withIdToken && claims !== undefined && scopesOf(grant.scope).includes('openid')
      ? await context.signer.sign(
          {
            ...claims,
            iss: context.url,
            aud: grant.clientID,
            ...(grant.nonce !== undefined && { nonce: grant.nonce }),
          },
          Math.floor(context.now() / 1000),
          context.tokenLifetime,
        )
      : undefined;
  return {
    access_token: pair.accessToken,
    token_type: 'bearer',
    expires_in: context.tokenLifetime,
    refresh_token: pair.refreshToken,
    scope: grant.scope,
    ...(idToken !== undefined && { id_token: idToken }),
  };
}

/** `POST /oauth/token`: PKCE-checked code exchange, and rotating refresh. */
export async function oauth21Token(exchange: Exchange, context: MockContext): Promise<void> {
  const request = await readTokenRequest(exchange, context, false);
  const { form, client } = request;
  if (request.grantType === 'authorization_code') {
    const verifier = requireParam(form, 'code_verifier');
    const record = presentedCode(request, context, 'oauth21');
    const hashed = createHash('sha256').update(verifier).digest('base64url');
    if (!CODE_VERIFIER.test(verifier) || hashed !== record.codeChallenge) {
      throw new MockError(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
    }
    const body = await tokenBody(context, context.grants.redeem(record), true);
    return sendJSON(exchange, 200, body);
  }

  const refreshToken = requireParam(form, 'refresh_token');
  const grant = context.grants.findRefreshToken(refreshToken, client.clientID);
  if (grant.flow !== 'oauth21')
    throw new MockError(400, 'invalid_grant', 'Refresh token is invalid');
  // Whop: "the same company_id if one was used"; a refresh cannot add or change one either.
  if (param(form, 'company_id') !== grant.companyID) {
    throw new MockError(400, 'invalid_grant', 'company_id differs from the one authorized');
  }
  const scope = param(form, 'scope');
  if (scope !== undefined && !scopesOf(scope).every((s) => scopesOf(grant.scope).includes(s))) {
    throw new MockError(400, 'invalid_scope', 'The scope exceeds the one granted');
  }
  // No id_token on refresh: whether Whop sends one is unknown, and a login needs none.
  sendJSON(exchange, 200, await tokenBody(context, context.grants.rotate(refreshToken), false));
}

/** `GET /oauth/userinfo`: OpenID claims for a bearer token of this flow (RFC 6750 errors). */
export function userinfo(exchange: Exchange, context: MockContext): void {
  const token = bearerToken(exchange.req);
  const grant = token === undefined ? undefined : context.grants.accessGrant(token);
  const claims = grant?.flow === 'oauth21' ? claimsOf(context, grant) : undefined;
  if (grant === undefined || claims === undefined) {
    const description = 'The access token is invalid, expired or revoked';
    return sendJSON(
      exchange,
      401,
      { error: 'invalid_token', error_description: description },
      { 'www-authenticate': `Bearer error="invalid_token", error_description="${description}"` },
    );
  }
  if (!scopesOf(grant.scope).includes('openid')) {
    const description = 'The openid scope is required';
    return sendJSON(
      exchange,
      403,
      { error: 'insufficient_scope', error_description: description },
      { 'www-authenticate': `Bearer error="insufficient_scope", scope="openid"` },
    );
  }
  sendJSON(exchange, 200, claims);
}

/** `POST /oauth/revoke` (RFC 7009): 200 whether or not the token was known. */
export async function revoke(exchange: Exchange, context: MockContext): Promise<void> {
  const form = await readForm(exchange.req);
  const client = authenticateClient(
    context.clients,
    param(form, 'client_id'),
    param(form, 'client_secret'),
    false,
  );
  context.grants.revoke(requireParam(form, 'token'), client.clientID);
  sendJSON(exchange, 200, {});
}

export function jwks(exchange: Exchange, context: MockContext): void {
  sendJSON(exchange, 200, { keys: [context.signer.jwk] });
}

/** `GET /.well-known/openid-configuration`: where everything is, for discovery-based clients. */
export function discovery(exchange: Exchange, context: MockContext): void {
  const { url } = context;
  sendJSON(exchange, 200, {
    issuer: url,
    authorization_endpoint: `${url}/oauth/authorize`,
    token_endpoint: `${url}/oauth/token`,
    userinfo_endpoint: `${url}/oauth/userinfo`,
    revocation_endpoint: `${url}/oauth/revoke`,
    jwks_uri: `${url}/.well-known/jwks.json`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', 'profile', 'email'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [ID_TOKEN_ALG],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_post', 'none'],
    claims_supported: ['sub', 'name', 'preferred_username', 'picture', 'email', 'email_verified'],
  });
}

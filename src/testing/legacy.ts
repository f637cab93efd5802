// Whop's first OAuth flow (shared/WHOP_API.md part 1): `/oauth`, `/api/v3/oauth/token` and
// `/api/v5/me` (also served at `/v5/oauth/token` and `/v5/me`, where Auth.js and better-auth go),
// where the scope holds Whop permission scopes (`read_user`) and at most one company ID.
import { carried, clientAndRedirect, type ParseAuthorization } from './authorize.js';
import type { TokenPair } from './grants.js';
import { COMPANY_ID, type MockContext } from './model.js';
import { presentedCode, readTokenRequest } from './token-request.js';
import { bearerToken, MockError, param, requireParam, sendJSON, type Exchange } from './wire.js';

export const parseLegacyAuthorization: ParseAuthorization = (params, clients) => {
  const { client, redirectURI } = clientAndRedirect(params, clients);
  const responseType = param(params, 'response_type');
  if (responseType !== undefined && responseType !== 'code') {
    throw new MockError(400, 'unsupported_response_type', 'response_type must be code');
  }
  const scope = param(params, 'scope');
  const entries = scopesOf(scope);
  const companies = entries.filter((entry) => COMPANY_ID.test(entry));
  if (companies.length > 1 || !entries.every((entry) => SCOPE_TOKEN.test(entry))) {
    throw new MockError(
      400,
      'invalid_scope',
      `The scope must be Whop permission scopes (such as read_user) and at most one company ID (biz_ followed by letters and digits), not ${scope}`,
    );
  }
  return {
    client,
    redirectURI,
    state: param(params, 'state'),
    grant: { flow: 'legacy' as const, clientID: client.clientID, scope },
    companyID: companies[0],
    scopes: entries.filter((entry) => !COMPANY_ID.test(entry)),
    // Whop sends the scope back as it was passed.
    echo: scope === undefined ? undefined : { scope },
    fields: carried(params, ['client_id', 'redirect_uri', 'response_type', 'scope', 'state']),
  };
};

// RFC 6749 3.3's scope-token characters.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const scopesOf = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean);

function tokenBody(context: MockContext, pair: TokenPair) {
  return {
    access_token: pair.accessToken,
    token_type: 'bearer',
    expires_in: context.tokenLifetime,
    refresh_token: pair.refreshToken,
    ...(pair.grant.scope !== undefined && { scope: pair.grant.scope }),
    // Whop's token answers carry when the token was made, in Unix seconds.
    created_at: Math.floor(context.now() / 1000),
  };
}

// A scope sent with a token request must be within the one granted: it cannot widen the grant.
function checkScope(form: URLSearchParams, granted: string | undefined): void {
  const grantedScopes = scopesOf(granted);
  if (!scopesOf(param(form, 'scope')).every((entry) => grantedScopes.includes(entry))) {
    throw new MockError(400, 'invalid_scope', 'The scope differs from the one granted');
  }
}

/** `POST /api/v3/oauth/token`: the code and refresh grants, client ID and secret in the form. */
export async function legacyToken(exchange: Exchange, context: MockContext): Promise<void> {
  const request = await readTokenRequest(exchange, context, true);
  const { form, client } = request;
  if (request.grantType === 'authorization_code') {
    const record = presentedCode(request, context, 'legacy');
    checkScope(form, record.grant.scope);
    return sendJSON(exchange, 200, tokenBody(context, context.grants.redeem(record)));
  }

  const refreshToken = requireParam(form, 'refresh_token');
  const grant = context.grants.findRefreshToken(refreshToken, client.clientID);
  if (grant.flow !== 'legacy') {
    throw new MockError(400, 'invalid_grant', 'Refresh token is invalid');
  }
  checkScope(form, grant.scope);
  sendJSON(exchange, 200, tokenBody(context, context.grants.rotate(refreshToken)));
}

/** `GET /api/v5/me`: the user behind a bearer token, in Whop's v5 `MeUser` shape. */
export function me(exchange: Exchange, context: MockContext): void {
  const token = bearerToken(exchange.req);
  const grant = token === undefined ? undefined : context.grants.accessGrant(token);
  const user = context.users.find((u) => u.id === grant?.userID);
  if (grant === undefined || user === undefined) {
    // Whop's v5 API answers errors as `{ message }`.
    return sendJSON(exchange, 401, { message: 'You must be authenticated to access this' });
  }
  const { id, username, name, email, profile_pic_url } = user;
  sendJSON(exchange, 200, { id, username, name, email, profile_pic_url });
}

// Whop's first OAuth flow (shared/WHOP_API.md part 1): `/oauth`, `/api/v3/oauth/token` and
// `/api/v5/me`, where the only scope is an optional company ID.
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
  if (scope !== undefined && !COMPANY_ID.test(scope)) {
    throw new MockError(
      400,
      'invalid_scope',
      `The scope must be a company ID (biz_ followed by letters and digits), not ${scope}`,
    );
  }
  return {
    client,
    redirectURI,
    state: param(params, 'state'),
    grant: { flow: 'legacy' as const, clientID: client.clientID, scope },
    companyID: scope,
    // Whop sends the scope back as it was passed.
    echo: scope === undefined ? undefined : { scope },
    fields: carried(params, ['client_id', 'redirect_uri', 'response_type', 'scope', 'state']),
  };
};

function tokenBody(context: MockContext, pair: TokenPair) {
  return {
    access_token: pair.accessToken,
    token_type: 'bearer',
    expires_in: context.tokenLifetime,
    refresh_token: pair.refreshToken,
    ...(pair.grant.scope !== undefined && { scope: pair.grant.scope }),
  };
}

// A scope sent with a token request must be the one granted: it cannot widen the grant.
function checkScope(form: URLSearchParams, granted: string | undefined): void {
  const scope = param(form, 'scope');
  if (scope !== undefined && scope !== granted) {
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

// What both flows' token endpoints read first: the grant type, the client, and for a code, the
// code issued to that client in that flow for that redirect URI.
import type { CodeRecord, Grant } from './grants.js';
import { authenticateClient, type MockContext, type MockWhopClient } from './model.js';
import { MockError, param, readForm, requireParam, type Exchange } from './wire.js';

export interface TokenRequest {
  readonly form: URLSearchParams;
  readonly grantType: 'authorization_code' | 'refresh_token';
  readonly client: MockWhopClient;
}

/** Read a token request's form, its grant type and its client (the secret checked). */
export async function readTokenRequest(
  exchange: Exchange,
  context: MockContext,
  secretRequired: boolean,
): Promise<TokenRequest> {
  const form = await readForm(exchange.req);
  const grantType = param(form, 'grant_type');
  exchange.grantType = grantType;
  if (grantType === undefined) {
    throw new MockError(400, 'invalid_request', 'grant_type is required');
  }
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    throw new MockError(400, 'unsupported_grant_type', `Unsupported grant_type ${grantType}`);
  }
  const client = authenticateClient(
    context.clients,
    param(form, 'client_id'),
    param(form, 'client_secret'),
    secretRequired,
  );
  return { form, grantType, client };
}

/** The code an `authorization_code` request presents, if it is this client's, flow's and URI's. */
export function presentedCode(
  { form, client }: TokenRequest,
  context: MockContext,
  flow: Grant['flow'],
): CodeRecord {
  const code = requireParam(form, 'code');
  const redirectURI = requireParam(form, 'redirect_uri');
  const record = context.grants.findCode(code, client.clientID);
  if (record.grant.flow !== flow) {
    throw new MockError(400, 'invalid_grant', 'Authorization code is invalid');
  }
  if (record.redirectURI !== redirectURI) {
    throw new MockError(400, 'invalid_grant', 'redirect_uri differs from the authorize request');
  }
  return record;
}

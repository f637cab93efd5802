import type { Grant } from './grants.js';
import type { MockContext, MockWhopClient } from './model.js';
import { consentPage } from './pages.js';
import { MockError, param, readForm, sendHTML, sendRedirect, type Exchange } from './wire.js';

/** An authorize request that passed its flow's checks. */
export interface AuthorizationRequest {
  readonly client: MockWhopClient;
  readonly redirectURI: string;
  readonly state?: string;
  /** What the approval grants, less the user, who is chosen on the page. */
  readonly grant: Omit<Grant, 'userID' | 'revoked'>;
  readonly codeChallenge?: string;
  /** Added to the success redirect beside `code` and `state` (the legacy flow's `scope`). */
  readonly echo?: Readonly<Record<string, string>>;
  /** The company to show on the page. */
  readonly companyID?: string;
  /** The scopes to list on the page (OAuth 2.1's, the legacy flow's permission scopes). */
  readonly scopes?: readonly string[];
  /** The parameters the consent form carries back. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
}

/** A flow's checks of an authorize request; each refusal is a `MockError` shown as a page. */
export type ParseAuthorization = (
  params: URLSearchParams,
  clients: readonly MockWhopClient[],
) => AuthorizationRequest;

/**
 * The client and its redirect URI. Until both are known good, errors are shown on a page and
 * never sent to the redirect URI, as RFC 6749 4.1.2.1 requires.
 */
export function clientAndRedirect(
  params: URLSearchParams,
  clients: readonly MockWhopClient[],
): { client: MockWhopClient; redirectURI: string } {
  const clientID = param(params, 'client_id');
  if (clientID === undefined) throw new MockError(400, 'invalid_request', 'client_id is required');
  const client = clients.find((c) => c.clientID === clientID);
  if (client === undefined) {
    throw new MockError(400, 'invalid_client', `No app has the client_id ${clientID}`);
  }
  const redirectURI = param(params, 'redirect_uri');
  if (redirectURI === undefined) {
    throw new MockError(400, 'invalid_request', 'redirect_uri is required');
  }
  // Exact string comparison, as Whop does: no normalising of case, slashes or ports.
  if (!client.redirectURIs.includes(redirectURI)) {
    throw new MockError(
      400,
      'invalid_request',
      `The redirect_uri ${redirectURI} is not registered for this app`,
    );
  }
  return { client, redirectURI };
}

/** The carried fields: the known parameters that were sent, in a stable order. */
export function carried(
  params: URLSearchParams,
  names: readonly string[],
): Array<readonly [string, string]> {
  return names.flatMap((name) => {
    const value = param(params, name);
    return value === undefined ? [] : [[name, value] as const];
  });
}

/**
 * `GET` shows the consent page; `POST` (the page's form, carrying the request again, checked
 * again) answers it: Approve redirects with a code, Deny with `error=access_denied`.
 */
export async function authorize(
  exchange: Exchange,
  context: MockContext,
  parse: ParseAuthorization,
): Promise<void> {
  const posted = exchange.req.method === 'POST';
  const params = posted ? await readForm(exchange.req) : exchange.query;
  const request = parse(params, context.clients);
  if (context.users.length === 0) {
    throw new MockError(400, 'invalid_request', 'The mock Whop has no users to sign in');
  }
  if (!posted) {
    const page = consentPage({
      appName: request.client.name ?? request.client.clientID,
      users: context.users,
      companyID: request.companyID,
      scopes: request.scopes,
      redirectURI: request.redirectURI,
      action: exchange.path,
      fields: request.fields,
    });
    return sendHTML(exchange, 200, page);
  }

  const back = new URL(request.redirectURI);
  const decision = param(params, 'decision');
  if (decision === 'deny') {
    back.searchParams.set('error', 'access_denied');
    back.searchParams.set('error_description', 'The user denied the authorization request');
    if (request.state !== undefined) back.searchParams.set('state', request.state);
    return sendRedirect(exchange, back);
  }
  if (decision !== 'approve') {
    throw new MockError(400, 'invalid_request', 'decision must be approve or deny');
  }
  const userID = param(params, 'user_id') ?? context.users[0]!.id;
  if (!context.users.some((user) => user.id === userID)) {
    throw new MockError(400, 'invalid_request', `No user has the id ${userID}`);
  }
  const grant: Grant = { ...request.grant, userID, revoked: false };
  const code = context.grants.issueCode(grant, request.redirectURI, request.codeChallenge);
  back.searchParams.set('code', code);
  if (request.state !== undefined) back.searchParams.set('state', request.state);
  for (const [name, value] of Object.entries(request.echo ?? {})) {
    back.searchParams.set(name, value);
  }
  sendRedirect(exchange, back);
}

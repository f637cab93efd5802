import { MOCK_CLIENT, MOCK_REDIRECT_URIS, type MockWhop } from '../../src/testing/index.js';

/** What the mock's legacy token endpoint answers, as far as these tests read it. */
export interface MockTokens {
  readonly status: number;
  readonly access_token?: string;
  readonly refresh_token?: string;
  readonly error?: string;
}

/** POST a form to the mock's legacy token endpoint as the default client. */
export async function postToken(whop: MockWhop, form: Record<string, string>): Promise<MockTokens> {
  const response = await fetch(whop.tokenURL, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: MOCK_CLIENT.clientID,
      client_secret: MOCK_CLIENT.clientSecret,
      ...form,
    }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** A legacy login of the mock's default user, without a browser: its first tokens. */
export async function mockLogin(whop: MockWhop): Promise<Required<Omit<MockTokens, 'error'>>> {
  const authorize = new URL(whop.authorizationURL);
  authorize.searchParams.set('client_id', MOCK_CLIENT.clientID);
  authorize.searchParams.set('redirect_uri', MOCK_REDIRECT_URIS[0]!);
  authorize.searchParams.set('response_type', 'code');
  const code = new URL(await whop.approve(authorize)).searchParams.get('code')!;
  const tokens = await postToken(whop, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: MOCK_REDIRECT_URIS[0]!,
  });
  if (tokens.access_token === undefined || tokens.refresh_token === undefined)
    throw new Error(`the mock answered the code exchange with HTTP ${tokens.status}`);
  return tokens as Required<Omit<MockTokens, 'error'>>;
}

/** Refresh at the mock's legacy token endpoint. */
export const refreshAtMock = (whop: MockWhop, refreshToken: string) =>
  postToken(whop, { grant_type: 'refresh_token', refresh_token: refreshToken });

/** Whether the mock's profile endpoint takes this access token. */
export async function accessWorks(whop: MockWhop, accessToken: string): Promise<boolean> {
  const response = await fetch(whop.userProfileURL, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  await response.arrayBuffer();
  return response.status === 200;
}

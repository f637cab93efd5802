import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import {
  MOCK_CLIENT,
  MOCK_USER,
  startMockWhop,
  type MockWhop,
  type MockWhopOptions,
} from '../src/testing/index.js';

const CALLBACK = 'http://localhost:3000/auth/whop/callback';
const PUBLIC_CLIENT = { clientID: 'app_public', redirectURIs: [CALLBACK], type: 'public' as const };

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Pages are HTML.
  }
  return { status: response.status, headers: response.headers, text, json };
}

const get = async (url: string, headers: Record<string, string> = {}) =>
  answer(await fetch(url, { headers, redirect: 'manual' }));

const post = async (url: string, form: Record<string, string>) =>
  answer(await fetch(url, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' }));

function withQuery(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

const legacyParams = (extra: Record<string, string> = {}) => ({
  client_id: MOCK_CLIENT.clientID,
  redirect_uri: CALLBACK,
  response_type: 'code',
  ...extra,
});

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const oauth21Params = (challenge: string, extra: Record<string, string> = {}) => ({
  response_type: 'code',
  client_id: MOCK_CLIENT.clientID,
  redirect_uri: CALLBACK,
  state: 'state_21',
  nonce: 'nonce_21',
  code_challenge: challenge,
  code_challenge_method: 'S256',
  ...extra,
});

const codeOf = (location: string) => new URL(location).searchParams.get('code')!;

/** Approve a legacy authorize request and exchange its code. */
async function legacyLogin(whop: MockWhop, extra: Record<string, string> = {}) {
  const code = codeOf(await whop.approve(withQuery(whop.authorizationURL, legacyParams(extra))));
  const token = await post(whop.tokenURL, legacyExchange(code));
  return { code, token };
}

const legacyExchange = (code: string, extra: Record<string, string> = {}) => ({
  grant_type: 'authorization_code',
  code,
  client_id: MOCK_CLIENT.clientID,
  client_secret: MOCK_CLIENT.clientSecret,
  redirect_uri: CALLBACK,
  ...extra,
});

const legacyRefresh = (refreshToken: string, extra: Record<string, string> = {}) => ({
  grant_type: 'refresh_token',
  refresh_token: refreshToken,
  client_id: MOCK_CLIENT.clientID,
  client_secret: MOCK_CLIENT.clientSecret,
  ...extra,
});

const bearer = (token: unknown) => ({ authorization: `Bearer ${String(token)}` });

describe('startMockWhop', () => {
  let whop: MockWhop;
  let clock: number;
  const start = async (options: MockWhopOptions = {}) => {
    clock = Date.now();
    whop = await startMockWhop({ now: () => clock, ...options });
  };
  afterEach(() => whop?.close());

  describe('when started with the defaults', () => {
    beforeEach(() => start());

    it('listens on a free loopback port', () =>
      expect(whop.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/));
    it('names the legacy endpoints', () =>
      expect([whop.authorizationURL, whop.tokenURL, whop.userProfileURL]).to.deep.equal([
        `${whop.url}/oauth`,
        `${whop.url}/api/v3/oauth/token`,
        `${whop.url}/api/v5/me`,
      ]));
    it('names the OAuth 2.1 endpoints', () =>
      expect(whop.oauth21).to.deep.equal({
        authorizationURL: `${whop.url}/oauth/authorize`,
        tokenURL: `${whop.url}/oauth/token`,
        userInfoURL: `${whop.url}/oauth/userinfo`,
        revocationURL: `${whop.url}/oauth/revoke`,
        jwksURL: `${whop.url}/.well-known/jwks.json`,
        issuer: whop.url,
      }));
    it('registers MOCK_CLIENT for port 3000', () =>
      expect(whop.clients).to.deep.equal([
        {
          ...MOCK_CLIENT,
          redirectURIs: [CALLBACK, 'http://127.0.0.1:3000/auth/whop/callback'],
        },
      ]));
    it('has MOCK_USER as its one user', () => expect(whop.users).to.deep.equal([MOCK_USER]));
    it('gives MOCK_USER a picture that loads from no other host', () =>
      expect(MOCK_USER.profile_pic_url).to.match(/^data:image\/svg\+xml,/));
  });

  describe('when the options are wrong', () => {
    it('rejects a port out of range', () =>
      startMockWhop({ port: 70000 }).then(
        () => expect.fail('started'),
        (error: unknown) =>
          expect(error).to.be.instanceOf(TypeError).with.property('message').match(/port/),
      ));
    it('rejects an empty user list', () =>
      startMockWhop({ users: [] }).then(
        () => expect.fail('started'),
        (error: unknown) => expect(error).to.be.instanceOf(TypeError),
      ));
    it('rejects a confidential client without a secret', () =>
      startMockWhop({ clients: [{ clientID: 'app_x', redirectURIs: [CALLBACK] }] }).then(
        () => expect.fail('started'),
        (error: unknown) =>
          expect(error)
            .to.be.instanceOf(TypeError)
            .with.property('message')
            .match(/clientSecret/),
      ));
  });

  describe('the legacy consent page', () => {
    let page: Awaited<ReturnType<typeof get>>;
    beforeEach(async () => {
      await start();
      page = await get(
        withQuery(whop.authorizationURL, legacyParams({ scope: 'biz_abc123', state: 'st' })),
      );
    });

    it('is shown', () => expect(page.status).to.equal(200));
    it('is HTML', () => expect(page.headers.get('content-type')).to.match(/^text\/html/));
    it('says which app asks', () =>
      expect(page.text).to.contain('app_mock_client wants to sign you in with Whop'));
    it('shows the user signing in', () => expect(page.text).to.contain('@mockuser'));
    it('shows the requested company', () => expect(page.text).to.contain('biz_abc123'));
    it('has an Approve button', () =>
      expect(page.text).to.match(
        /<button type="submit" name="decision" value="approve"[^>]*>Approve<\/button>/,
      ));
    it('has a Deny button', () =>
      expect(page.text).to.match(
        /<button type="submit" name="decision" value="deny"[^>]*>Deny<\/button>/,
      ));
    it('posts the request back to the mock', () =>
      expect(page.text).to.match(/<form method="post" action="\/oauth">/));
    it('carries the state in the form', () =>
      expect(page.text).to.contain('<input type="hidden" name="state" value="st">'));
    it('loads nothing from elsewhere', () =>
      expect(page.text).not.to.match(/<script|<link|(src|href)="(https?:)?\/\//));
  });

  describe('when the authorize request is bad', () => {
    beforeEach(() => start());
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['the client is unknown', { client_id: 'app_nobody' }, /No app has the client_id app_nobody/],
      ['the redirect_uri is not registered', { redirect_uri: `${CALLBACK}/` }, /not registered/],
      ['the redirect_uri is absent', { redirect_uri: '' }, /redirect_uri is required/],
      ['the scope names two companies', { scope: 'biz_a1 biz_b2' }, /at most one company ID/],
      ['the scope is not scope tokens', { scope: 'read"user' }, /Whop permission scopes/],
      ['the response_type is not code', { response_type: 'token' }, /response_type must be code/],
    ];
    for (const [when, extra, message] of cases) {
      describe(`when ${when}`, () => {
        let page: Answer;
        beforeEach(async () => {
          page = await get(withQuery(whop.authorizationURL, legacyParams(extra)));
        });
        it('answers 400', () => expect(page.status).to.equal(400));
        it('does not redirect', () => expect(page.headers.get('location')).to.equal(null));
        it('says why', () => expect(page.text).to.match(message));
      });
    }
    it('refuses an approval posted for an unregistered redirect_uri', async () => {
      const form = {
        ...legacyParams({ redirect_uri: 'https://evil.example/cb' }),
        decision: 'approve',
      };
      const refused = await post(whop.authorizationURL, form);
      expect([refused.status, refused.headers.get('location')]).to.deep.equal([400, null]);
    });
  });

  describe('when the user approves', () => {
    let back: URL;
    beforeEach(async () => {
      await start();
      const form = { ...legacyParams({ scope: 'biz_abc123', state: 'st_1' }), decision: 'approve' };
      const approved = await post(whop.authorizationURL, form);
      back = new URL(approved.headers.get('location')!);
    });

    it('redirects to the redirect_uri', () =>
      expect(back.href.startsWith(`${CALLBACK}?`)).to.equal(true));
    it('sends a code', () => expect(back.searchParams.get('code')).to.match(/^[\w-]{20,}$/));
    it('sends the state back', () => expect(back.searchParams.get('state')).to.equal('st_1'));
    it('sends the scope back', () => expect(back.searchParams.get('scope')).to.equal('biz_abc123'));
  });

  describe('when the user approves a request without state or scope', () => {
    let back: URL;
    beforeEach(async () => {
      await start();
      back = new URL(await whop.approve(withQuery(whop.authorizationURL, legacyParams())));
    });

    it('sends only the code', () => expect([...back.searchParams.keys()]).to.deep.equal(['code']));
  });

  describe('when the user denies', () => {
    let back: URL;
    beforeEach(async () => {
      await start();
      back = new URL(
        await whop.deny(withQuery(whop.authorizationURL, legacyParams({ state: 'st_2' }))),
      );
    });

    it('sends access_denied', () =>
      expect(back.searchParams.get('error')).to.equal('access_denied'));
    it('describes the error', () =>
      expect(back.searchParams.get('error_description')).to.be.a('string'));
    it('sends the state back', () => expect(back.searchParams.get('state')).to.equal('st_2'));
    it('sends no code', () => expect(back.searchParams.has('code')).to.equal(false));
  });

  describe('when a legacy code is exchanged', () => {
    let token: Answer;
    beforeEach(async () => {
      await start();
      ({ token } = await legacyLogin(whop, { scope: 'biz_abc123' }));
    });

    it('answers 200', () => expect(token.status).to.equal(200));
    it("answers Whop's token shape", () =>
      expect(token.json).to.have.all.keys(
        'access_token',
        'token_type',
        'expires_in',
        'refresh_token',
        'scope',
        'created_at',
      ));
    it('says bearer', () => expect(token.json.token_type).to.equal('bearer'));
    it('says when the token was made, in Unix seconds', () =>
      expect(token.json.created_at).to.equal(Math.floor(clock / 1000)));
    it('gives the token lifetime', () => expect(token.json.expires_in).to.equal(3600));
    it('gives the granted company scope', () => expect(token.json.scope).to.equal('biz_abc123'));
    it('serves the same exchange at /v5/oauth/token (Auth.js, better-auth)', async () => {
      const { code } = await legacyLogin(whop); // spent at /api/v3; a new login for /v5
      const again = codeOf(await whop.approve(withQuery(whop.authorizationURL, legacyParams())));
      const v5 = await post(`${whop.url}/v5/oauth/token`, legacyExchange(again));
      expect([code === again, v5.status, typeof v5.json.access_token]).to.deep.equal([
        false,
        200,
        'string',
      ]);
    });
    it('gives a token /v5/me accepts', async () =>
      expect((await get(`${whop.url}/v5/me`, bearer(token.json.access_token))).json.id).to.equal(
        MOCK_USER.id,
      ));
    it('is not cached', () => expect(token.headers.get('cache-control')).to.equal('no-store'));
    it('gives a token /api/v5/me accepts', async () => {
      const me = await get(whop.userProfileURL, bearer(token.json.access_token));
      expect(me.json).to.deep.equal({
        id: MOCK_USER.id,
        username: MOCK_USER.username,
        name: MOCK_USER.name,
        email: MOCK_USER.email,
        profile_pic_url: MOCK_USER.profile_pic_url,
      });
    });
  });

  describe('when the legacy token request is wrong', () => {
    let code: string;
    beforeEach(async () => {
      await start();
      code = codeOf(await whop.approve(withQuery(whop.authorizationURL, legacyParams())));
    });

    it('answers a wrong secret with 401', async () =>
      expect(
        (await post(whop.tokenURL, legacyExchange(code, { client_secret: 'nope' }))).status,
      ).to.equal(401));
    it('answers a wrong secret with invalid_client', async () =>
      expect(
        (await post(whop.tokenURL, legacyExchange(code, { client_secret: 'nope' }))).json,
      ).to.include({
        error: 'invalid_client',
      }));
    it('answers a missing secret with invalid_client', async () =>
      expect(
        (await post(whop.tokenURL, legacyExchange(code, { client_secret: '' }))).json.error,
      ).to.equal('invalid_client'));
    it('leaves the code usable after a failed client check', async () => {
      await post(whop.tokenURL, legacyExchange(code, { client_secret: 'nope' }));
      expect((await post(whop.tokenURL, legacyExchange(code))).status).to.equal(200);
    });
    it('answers another redirect_uri with invalid_grant', async () => {
      const other = legacyExchange(code, {
        redirect_uri: 'http://127.0.0.1:3000/auth/whop/callback',
      });
      expect((await post(whop.tokenURL, other)).json.error).to.equal('invalid_grant');
    });
    it('answers an unknown code with invalid_grant', async () =>
      expect((await post(whop.tokenURL, legacyExchange('made_up'))).json.error).to.equal(
        'invalid_grant',
      ));
    it('answers a missing code with invalid_request', async () =>
      expect((await post(whop.tokenURL, legacyExchange(''))).json.error).to.equal(
        'invalid_request',
      ));
    it('answers another grant_type with unsupported_grant_type', async () =>
      expect(
        (await post(whop.tokenURL, legacyExchange(code, { grant_type: 'password' }))).json.error,
      ).to.equal('unsupported_grant_type'));
    it('answers a JSON body with invalid_request', async () => {
      const body = JSON.stringify(legacyExchange(code));
      const sent = await answer(
        await fetch(whop.tokenURL, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
        }),
      );
      expect([sent.status, sent.json.error]).to.deep.equal([400, 'invalid_request']);
    });
    it('answers a repeated parameter with invalid_request', async () => {
      const body = `${new URLSearchParams(legacyExchange(code))}&code=again`;
      const sent = await answer(
        await fetch(whop.tokenURL, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      );
      expect(sent.json.error).to.equal('invalid_request');
    });
    it('answers a body over 64 KiB with 413', async () => {
      const big = await post(whop.tokenURL, legacyExchange(code, { padding: 'x'.repeat(70_000) }));
      expect(big.status).to.equal(413);
    });
  });

  describe('when the code was already used', () => {
    let first: Answer;
    let second: Answer;
    beforeEach(async () => {
      await start();
      const login = await legacyLogin(whop);
      first = login.token;
      second = await post(whop.tokenURL, legacyExchange(login.code));
    });

    it('answers the second exchange with 400', () => expect(second.status).to.equal(400));
    it('answers the second exchange with invalid_grant', () =>
      expect(second.json.error).to.equal('invalid_grant'));
    it('revokes the first access token', async () =>
      expect((await get(whop.userProfileURL, bearer(first.json.access_token))).status).to.equal(
        401,
      ));
    it('revokes the first refresh token', async () => {
      const refreshed = await post(whop.tokenURL, legacyRefresh(String(first.json.refresh_token)));
      expect(refreshed.json.error).to.equal('invalid_grant');
    });
  });

  describe('when the code has expired', () => {
    let late: Answer;
    beforeEach(async () => {
      await start();
      const code = codeOf(await whop.approve(withQuery(whop.authorizationURL, legacyParams())));
      clock += 5 * 60 * 1000 + 1;
      late = await post(whop.tokenURL, legacyExchange(code));
    });

    it('answers invalid_grant', () => expect(late.json).to.include({ error: 'invalid_grant' }));
    it('says it expired', () => expect(late.json.error_description).to.match(/expired/));
  });

  describe('when a legacy refresh token is used', () => {
    let first: Answer;
    let refreshed: Answer;
    beforeEach(async () => {
      await start();
      first = (await legacyLogin(whop, { scope: 'biz_abc123' })).token;
      refreshed = await post(whop.tokenURL, legacyRefresh(String(first.json.refresh_token)));
    });

    it('answers new tokens', () => expect(refreshed.status).to.equal(200));
    it('rotates the refresh token', () =>
      expect(refreshed.json.refresh_token)
        .to.be.a('string')
        .and.not.equal(first.json.refresh_token));
    it('keeps the scope', () => expect(refreshed.json.scope).to.equal('biz_abc123'));
    it('rejects the old refresh token', async () =>
      expect(
        (await post(whop.tokenURL, legacyRefresh(String(first.json.refresh_token)))).json.error,
      ).to.equal('invalid_grant'));
    it('accepts the new refresh token', async () =>
      expect(
        (await post(whop.tokenURL, legacyRefresh(String(refreshed.json.refresh_token)))).status,
      ).to.equal(200));
    it('gives an access token /api/v5/me accepts', async () =>
      expect((await get(whop.userProfileURL, bearer(refreshed.json.access_token))).status).to.equal(
        200,
      ));
    it('rejects another scope with invalid_scope', async () => {
      const widened = legacyRefresh(String(refreshed.json.refresh_token), { scope: 'biz_other' });
      expect((await post(whop.tokenURL, widened)).json.error).to.equal('invalid_scope');
    });
  });

  describe('when a legacy login asks for permission scopes (read_user)', () => {
    let page: Answer;
    let back: URL;
    let token: Answer;
    beforeEach(async () => {
      await start();
      const url = withQuery(whop.authorizationURL, legacyParams({ scope: 'read_user biz_abc123' }));
      page = await get(url);
      back = new URL(await whop.approve(url));
      token = await post(whop.tokenURL, legacyExchange(back.searchParams.get('code')!));
    });

    it('shows the consent page', () => expect(page.status).to.equal(200));
    it('lists the permission', () => expect(page.text).to.contain('<li>See your profile</li>'));
    it('shows the company', () => expect(page.text).to.contain('<dd>biz_abc123</dd>'));
    it('sends the scope back as it was passed', () =>
      expect(back.searchParams.get('scope')).to.equal('read_user biz_abc123'));
    it('grants the scope', () => expect(token.json.scope).to.equal('read_user biz_abc123'));
    it('refreshes with the company alone', async () =>
      expect(
        (
          await post(
            whop.tokenURL,
            legacyRefresh(String(token.json.refresh_token), { scope: 'biz_abc123' }),
          )
        ).status,
      ).to.equal(200));
  });

  describe('/api/v5/me', () => {
    let accessToken: string;
    beforeEach(async () => {
      await start({ tokenLifetime: 60 });
      accessToken = String((await legacyLogin(whop)).token.json.access_token);
    });

    it('rejects a token in the query string', async () =>
      expect(
        (await get(withQuery(whop.userProfileURL, { access_token: accessToken }))).status,
      ).to.equal(401));
    it("answers 401 in Whop's v5 shape", async () =>
      expect((await get(whop.userProfileURL)).json).to.have.all.keys('message'));
    it('rejects an unknown token', async () =>
      expect((await get(whop.userProfileURL, bearer('made_up'))).status).to.equal(401));
    it('rejects an expired token', async () => {
      clock += 60_000;
      expect((await get(whop.userProfileURL, bearer(accessToken))).status).to.equal(401);
    });
  });

  describe('the OAuth 2.1 authorize page', () => {
    const { challenge } = pkce();
    beforeEach(() => start());

    it('shows the company_id', async () => {
      const page = await get(
        withQuery(
          whop.oauth21.authorizationURL,
          oauth21Params(challenge, { company_id: 'biz_c1' }),
        ),
      );
      expect(page.text).to.contain('biz_c1');
    });
    it('lists the scopes', async () =>
      expect(
        (await get(withQuery(whop.oauth21.authorizationURL, oauth21Params(challenge)))).text,
      ).to.contain('See your email address'));
    for (const [when, extra] of [
      ['without a code_challenge', { code_challenge: '' }],
      ['with the plain method', { code_challenge_method: 'plain' }],
      ['without response_type', { response_type: '' }],
      ['with a malformed company_id', { company_id: 'acme' }],
    ] as const) {
      it(`refuses a request ${when} with 400`, async () => {
        const page = await get(
          withQuery(whop.oauth21.authorizationURL, oauth21Params(challenge, extra)),
        );
        expect([page.status, page.headers.get('location')]).to.deep.equal([400, null]);
      });
    }
    it('redirects an approval with code and state', async () => {
      const back = new URL(
        await whop.approve(withQuery(whop.oauth21.authorizationURL, oauth21Params(challenge))),
      );
      expect([...back.searchParams.keys()]).to.deep.equal(['code', 'state']);
    });
  });

  describe('when an OAuth 2.1 code is exchanged', () => {
    const { verifier, challenge } = pkce();
    let code: string;
    const exchange = (extra: Record<string, string> = {}) =>
      post(whop.oauth21.tokenURL, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        client_id: MOCK_CLIENT.clientID,
        client_secret: MOCK_CLIENT.clientSecret,
        code_verifier: verifier,
        ...extra,
      });
    beforeEach(async () => {
      await start({ clients: [{ ...MOCK_CLIENT, redirectURIs: [CALLBACK] }, PUBLIC_CLIENT] });
      code = codeOf(
        await whop.approve(withQuery(whop.oauth21.authorizationURL, oauth21Params(challenge))),
      );
    });

    it('answers tokens with an id_token', async () =>
      expect((await exchange()).json).to.have.all.keys(
        'access_token',
        'refresh_token',
        'id_token',
        'token_type',
        'expires_in',
        'scope',
      ));
    it('gives the granted scope', async () =>
      expect((await exchange()).json.scope).to.equal('openid profile email'));
    it('rejects a wrong code_verifier with invalid_grant', async () =>
      expect((await exchange({ code_verifier: pkce().verifier })).json.error).to.equal(
        'invalid_grant',
      ));
    it('requires the code_verifier', async () =>
      expect((await exchange({ code_verifier: '' })).json.error).to.equal('invalid_request'));
    it('requires the secret of a confidential client', async () =>
      expect((await exchange({ client_secret: '' })).status).to.equal(401));
    it('revokes the tokens on a second exchange', async () => {
      const first = await exchange();
      expect((await exchange()).json.error).to.equal('invalid_grant');
      expect(
        (await get(whop.oauth21.userInfoURL, bearer(first.json.access_token))).status,
      ).to.equal(401);
    });

    describe('its id_token', () => {
      let claims: Record<string, unknown>;
      let header: Record<string, unknown>;
      beforeEach(async () => {
        const jwks = createRemoteJWKSet(new URL(whop.oauth21.jwksURL));
        const verified = await jwtVerify(String((await exchange()).json.id_token), jwks, {
          issuer: whop.oauth21.issuer,
          audience: MOCK_CLIENT.clientID,
          algorithms: ['ES256'],
        });
        claims = verified.payload;
        header = verified.protectedHeader;
      });

      it('verifies against the JWKS with a kid', () => expect(header.kid).to.be.a('string'));
      it('names the user', () => expect(claims.sub).to.equal(MOCK_USER.id));
      it('carries the nonce', () => expect(claims.nonce).to.equal('nonce_21'));
      it('carries the email claims', () =>
        expect(claims).to.include({ email: MOCK_USER.email, email_verified: true }));
      it('expires with the access token', () =>
        expect(Number(claims.exp) - Number(claims.iat)).to.equal(3600));
    });

    describe('by a public client', () => {
      beforeEach(async () => {
        code = codeOf(
          await whop.approve(
            withQuery(
              whop.oauth21.authorizationURL,
              oauth21Params(challenge, { client_id: PUBLIC_CLIENT.clientID }),
            ),
          ),
        );
      });

      it('needs no secret', async () =>
        expect(
          (await exchange({ client_id: PUBLIC_CLIENT.clientID, client_secret: '' })).status,
        ).to.equal(200));
      it('cannot use the legacy token endpoint', async () => {
        const legacy = await post(
          whop.tokenURL,
          legacyExchange(code, { client_id: PUBLIC_CLIENT.clientID, client_secret: '' }),
        );
        expect(legacy.json.error).to.equal('invalid_client');
      });
    });
  });

  describe('an OAuth 2.1 login', () => {
    let tokens: Record<string, unknown>;
    const login = async (extra: Record<string, string> = {}) => {
      const { verifier, challenge } = pkce();
      const location = await whop.approve(
        withQuery(whop.oauth21.authorizationURL, oauth21Params(challenge, extra)),
      );
      const exchanged = await post(whop.oauth21.tokenURL, {
        grant_type: 'authorization_code',
        code: codeOf(location),
        redirect_uri: CALLBACK,
        client_id: MOCK_CLIENT.clientID,
        client_secret: MOCK_CLIENT.clientSecret,
        code_verifier: verifier,
      });
      return exchanged.json;
    };
    const refresh = (refreshToken: unknown, extra: Record<string, string> = {}) =>
      post(whop.oauth21.tokenURL, {
        grant_type: 'refresh_token',
        refresh_token: String(refreshToken),
        client_id: MOCK_CLIENT.clientID,
        client_secret: MOCK_CLIENT.clientSecret,
        ...extra,
      });
    const revoke = (token: unknown) =>
      post(whop.oauth21.revocationURL, {
        token: String(token),
        client_id: MOCK_CLIENT.clientID,
        client_secret: MOCK_CLIENT.clientSecret,
      });
    beforeEach(async () => {
      await start();
      tokens = await login({ company_id: 'biz_c1' });
    });

    it('gets the userinfo claims', async () =>
      expect((await get(whop.oauth21.userInfoURL, bearer(tokens.access_token))).json).to.deep.equal(
        {
          sub: MOCK_USER.id,
          name: MOCK_USER.name,
          preferred_username: MOCK_USER.username,
          picture: MOCK_USER.profile_pic_url,
          email: MOCK_USER.email,
          email_verified: true,
        },
      ));
    it('gets only the scoped claims', async () => {
      const narrow = await login({ scope: 'openid' });
      expect((await get(whop.oauth21.userInfoURL, bearer(narrow.access_token))).json).to.deep.equal(
        {
          sub: MOCK_USER.id,
        },
      );
    });
    it('gets no id_token without openid', async () =>
      expect(await login({ scope: 'profile' })).not.to.have.property('id_token'));
    it('rotates the refresh token', async () => {
      const refreshed = await refresh(tokens.refresh_token, { company_id: 'biz_c1' });
      expect((await refresh(tokens.refresh_token, { company_id: 'biz_c1' })).json.error).to.equal(
        'invalid_grant',
      );
      expect(refreshed.json.refresh_token).to.be.a('string').and.not.equal(tokens.refresh_token);
    });
    it('refuses a refresh without the company_id', async () =>
      expect((await refresh(tokens.refresh_token)).json.error).to.equal('invalid_grant'));
    it('answers a revocation with 200 {}', async () =>
      expect(await revoke(tokens.access_token)).to.include({ status: 200, text: '{}' }));
    it('keeps a revoked access token working until it expires, as Whop does', async () => {
      await revoke(tokens.access_token);
      expect((await get(whop.oauth21.userInfoURL, bearer(tokens.access_token))).status).to.equal(
        200,
      );
    });
    it('keeps the access token working when its refresh token is revoked', async () => {
      await revoke(tokens.refresh_token);
      expect((await get(whop.oauth21.userInfoURL, bearer(tokens.access_token))).status).to.equal(
        200,
      );
    });
    it('stops a revoked refresh token', async () => {
      await revoke(tokens.refresh_token);
      expect((await refresh(tokens.refresh_token, { company_id: 'biz_c1' })).json.error).to.equal(
        'invalid_grant',
      );
    });
    it('answers an unknown token with 200 too', async () =>
      expect((await revoke('made_up')).status).to.equal(200));
  });

  describe('discovery', () => {
    beforeEach(() => start());

    it('publishes one key', async () =>
      expect((await get(whop.oauth21.jwksURL)).json.keys).to.have.lengthOf(1));
    it('publishes it as an ES256 signing key', async () => {
      const [key] = (await get(whop.oauth21.jwksURL)).json.keys as Array<Record<string, unknown>>;
      expect(key).to.include({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    });
    it('publishes no private key part', async () =>
      expect((await get(whop.oauth21.jwksURL)).text).not.to.contain('"d"'));
    it('serves an OpenID configuration naming the endpoints', async () =>
      expect((await get(`${whop.url}/.well-known/openid-configuration`)).json).to.include({
        issuer: whop.url,
        token_endpoint: whop.oauth21.tokenURL,
        jwks_uri: whop.oauth21.jwksURL,
      }));
  });

  describe('the request log', () => {
    let secrets: string[];
    beforeEach(async () => {
      await start();
      const { code, token } = await legacyLogin(whop, { state: 'st_log' });
      await get(whop.userProfileURL, bearer(token.json.access_token));
      await post(whop.tokenURL, legacyRefresh(String(token.json.refresh_token)));
      secrets = [
        code,
        String(token.json.access_token),
        String(token.json.refresh_token),
        MOCK_CLIENT.clientSecret,
      ];
    });

    it('records each request', () =>
      expect(whop.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).to.deep.equal([
        'GET /oauth 200',
        'POST /oauth 302',
        'POST /api/v3/oauth/token 200',
        'GET /api/v5/me 200',
        'POST /api/v3/oauth/token 200',
      ]));
    it('records the grant types', () =>
      expect(whop.requests.map((r) => r.grantType).filter(Boolean)).to.deep.equal([
        'authorization_code',
        'refresh_token',
      ]));
    it('records the time by the mock clock', () => expect(whop.requests[0]!.at).to.equal(clock));
    it('counts by path and grant type', () =>
      expect(whop.requestCount('/api/v3/oauth/token', 'authorization_code')).to.equal(1));
    it('counts by path', () => expect(whop.requestCount('/api/v3/oauth/token')).to.equal(2));
    it('holds no code, token or secret', () => {
      const logged = JSON.stringify(whop.requests);
      for (const secret of secrets) expect(logged).not.to.contain(secret);
    });
  });

  describe('unknown and malformed requests', () => {
    beforeEach(() => start());

    it('answers an unknown route with 404 JSON', async () =>
      expect(await get(`${whop.url}/nope`)).to.deep.include({
        status: 404,
        json: { error: 'not_found', error_description: 'No such route' },
      }));
    it('answers a wrong method with 405', async () =>
      expect((await get(whop.tokenURL)).status).to.equal(405));
    it('survives a garbage request line', async () => {
      await new Promise<void>((resolve) => {
        const socket = connect(Number(new URL(whop.url).port), '127.0.0.1', () =>
          socket.end('NOT HTTP\r\n\r\n'),
        );
        socket
          .on('close', () => resolve())
          .on('error', () => resolve())
          .resume();
      });
      expect((await get(whop.oauth21.jwksURL)).status).to.equal(200);
    });
    it('survives a body cut off midway', async () => {
      await new Promise<void>((resolve) => {
        const socket = connect(Number(new URL(whop.url).port), '127.0.0.1', () => {
          socket.write(
            'POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
              'Content-Length: 100\r\n\r\ngrant_type=auth',
          );
          socket.destroy();
          resolve();
        });
      });
      expect((await get(whop.oauth21.jwksURL)).status).to.equal(200);
    });
  });

  describe('addClient', () => {
    beforeEach(() => start());

    it('registers an app that learns its port late', async () => {
      whop.addClient({ ...MOCK_CLIENT, redirectURIs: ['http://127.0.0.1:4567/cb'] });
      const url = withQuery(
        whop.authorizationURL,
        legacyParams({ redirect_uri: 'http://127.0.0.1:4567/cb' }),
      );
      expect((await get(url)).status).to.equal(200);
    });
    it('replaces the registration with the same client ID', () => {
      whop.addClient({ ...MOCK_CLIENT, redirectURIs: ['http://127.0.0.1:4567/cb'] });
      expect(whop.clients).to.have.lengthOf(1);
    });
    it('shows a named app by its name', async () => {
      whop.addClient({ ...MOCK_CLIENT, name: 'Acme Portal', redirectURIs: [CALLBACK] });
      expect((await get(withQuery(whop.authorizationURL, legacyParams()))).text).to.contain(
        'Acme Portal wants',
      );
    });
  });

  describe('with several users', () => {
    const second = { id: 'user_two', username: 'two', email: null };
    beforeEach(() => start({ users: [MOCK_USER, second] }));

    it('lets the page choose', async () =>
      expect((await get(withQuery(whop.authorizationURL, legacyParams()))).text).to.contain(
        'type="radio" name="user_id" value="user_two"',
      ));
    it('signs in the chosen one', async () => {
      const location = await whop.approve(withQuery(whop.authorizationURL, legacyParams()), {
        userID: 'user_two',
      });
      const token = await post(whop.tokenURL, legacyExchange(codeOf(location)));
      expect((await get(whop.userProfileURL, bearer(token.json.access_token))).json).to.deep.equal({
        id: 'user_two',
        username: 'two',
        email: null,
      });
    });
  });

  describe('close()', () => {
    it('refuses connections afterwards', async () => {
      await start();
      await get(whop.oauth21.jwksURL);
      await whop.close();
      await fetch(whop.oauth21.jwksURL).then(
        () => expect.fail('connected'),
        (error: unknown) => expect(error).to.be.instanceOf(TypeError),
      );
    });
    it('lets the process exit with connections still open', async function () {
      this.timeout(120_000);
      const entry = fileURLToPath(new URL('../src/testing/index.ts', import.meta.url));
      // A finished keep-alive request, and a request whose headers never end: the server would
      // wait on the second until its headersTimeout (a minute) without closeAllConnections().
      const script = `
        import { connect } from 'node:net';
        const { startMockWhop } = await import(${JSON.stringify(entry)});
        const whop = await startMockWhop();
        await fetch(whop.oauth21.jwksURL).then((r) => r.text());
        const port = Number(new URL(whop.url).port);
        await new Promise((resolve) => {
          const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\\r\\nHost: x\\r\\n', resolve));
          socket.on('error', () => {});
        });
        const closing = Date.now();
        await whop.close();
        process.on('exit', () => console.log(Date.now() - closing));`;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { timeout: 90_000 },
      );
      // Without closeAllConnections() the exit would wait for the server's headersTimeout (60 s);
      // the bound stays far from that and far above a loaded machine's few seconds.
      expect(Number(stdout.trim())).to.be.below(30_000);
    });
  });
});

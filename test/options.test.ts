import { expect } from 'chai';
import nock from 'nock';
import {
  refreshAccessToken,
  revokeToken,
  WhopStrategy,
  type WhopOAuth21Options,
  type WhopStrategyOptions,
} from '../src/index.js';
import { oauthClientOf } from '../src/whop/client.js';
import { Browser, startApp, type Outcome, type TestApp } from './support/app.js';
import { fixture } from './support/fixtures.js';
import { createKey, jwksOf, signIdToken } from './support/id-tokens.js';
import { BASE, CALLBACK } from './support/whop.js';

const SANDBOX = 'https://sandbox-api.whop.com';
const SANDBOX_21: WhopOAuth21Options = {
  flow: 'oauth2.1',
  clientID: 'app_test',
  clientSecret: 'secret_test',
  callbackURL: CALLBACK,
  environment: 'sandbox',
};
const verify = async () => ({ id: 'u' });
const construct = (options: Record<string, unknown>) => () =>
  new WhopStrategy({ ...BASE, ...options } as WhopStrategyOptions, verify);

describe('options', () => {
  describe('requireAccess', () => {
    for (const ok of ['biz_abc', 'prod_ABC123', 'exp_x', ['prod_a', 'exp_b', 'biz_c']]) {
      it(`takes ${JSON.stringify(ok)}`, () =>
        expect(construct({ requireAccess: ok })).not.to.throw());
    }
    for (const bad of ['plan_abc', 'prod_', 'prod_a-b', 'PROD_abc', '', [], ['prod_a', 'x'], 42]) {
      it(`refuses ${JSON.stringify(bad)}, naming the option`, () =>
        expect(construct({ requireAccess: bad })).to.throw(
          TypeError,
          'WhopStrategy requires the requireAccess option to be a resource ID (biz_, prod_ or exp_ followed by letters and digits) or an array of them',
        ));
    }
  });

  describe('requireAccess with skipUserProfile: true', () => {
    it('is refused in the legacy flow: no user ID to ask about', () =>
      expect(construct({ requireAccess: 'prod_a', skipUserProfile: true })).to.throw(
        TypeError,
        "WhopStrategy requires the requireAccess option to be given with the profile loaded (not skipUserProfile: true), or with flow: 'oauth2.1' and the openid scope: the access check needs the user's ID",
      ));
    it('is taken in OAuth 2.1 with openid: the ID token names the user', () =>
      expect(
        () =>
          new WhopStrategy(
            { ...SANDBOX_21, requireAccess: 'prod_a', skipUserProfile: true },
            verify,
          ),
      ).not.to.throw());
  });

  describe('pkce', () => {
    for (const ok of [true, false, 'S256', 'plain']) {
      it(`takes ${JSON.stringify(ok)} in the legacy flow`, () =>
        expect(construct({ pkce: ok })).not.to.throw());
    }
    for (const bad of ['s256', 'S512', 1]) {
      it(`refuses ${JSON.stringify(bad)}, naming the option`, () =>
        expect(construct({ pkce: bad })).to.throw(
          TypeError,
          "WhopStrategy requires the pkce option to be true, 'S256' or 'plain'",
        ));
    }
    it('refuses it with state: false, as passport-oauth2 does', () =>
      expect(construct({ pkce: true, state: false })).to.throw(
        TypeError,
        'WhopStrategy requires the state option to be true when PKCE is enabled (the verifier is kept with the state)',
      ));
    it('refuses a store whose store() cannot take the verifier', () =>
      expect(
        construct({
          pkce: true,
          store: { store: (_r: unknown, cb: () => void) => cb(), verify() {} },
        }),
      ).to.throw(
        TypeError,
        /WhopStrategy requires the store option to be a store whose store\(\) takes/,
      ));
    for (const bad of [false, 'plain']) {
      it(`refuses ${JSON.stringify(bad)} with OAuth 2.1, which requires S256`, () =>
        expect(() => new WhopStrategy({ ...SANDBOX_21, pkce: bad } as never, verify)).to.throw(
          TypeError,
          "WhopStrategy requires the pkce option to be left out, true or 'S256' with flow: 'oauth2.1' (Whop requires PKCE with S256)",
        ));
    }
  });

  describe('scopeSeparator', () => {
    it("takes ','", () => expect(construct({ scopeSeparator: ',' })).not.to.throw());
    for (const bad of ['', 1]) {
      it(`refuses ${JSON.stringify(bad)}, naming the option`, () =>
        expect(construct({ scopeSeparator: bad })).to.throw(
          TypeError,
          'WhopStrategy requires the scopeSeparator option to be a non-empty string (passport-oauth2 joins an array scope with it)',
        ));
    }
  });

  describe('apiURL', () => {
    it('defaults to https://api.whop.com/api/v1', () =>
      expect(oauthClientOf(new WhopStrategy(BASE, verify))!.apiURL).to.equal(
        'https://api.whop.com/api/v1',
      ));
    it('drops a trailing slash', () =>
      expect(
        oauthClientOf(new WhopStrategy({ ...BASE, apiURL: 'https://proxy.example/v1/' }, verify))!
          .apiURL,
      ).to.equal('https://proxy.example/v1'));
    it('refuses a URL that is not http(s)', () =>
      expect(construct({ apiURL: 'ftp://x' })).to.throw(
        TypeError,
        'WhopStrategy requires the apiURL option to be an absolute http(s) URL',
      ));
    it('refuses a query string', () =>
      expect(construct({ apiURL: 'https://api.whop.com/api/v1?x=1' })).to.throw(
        TypeError,
        'WhopStrategy requires the apiURL option to be a URL without a query or a fragment',
      ));
  });

  describe('accessMaxAge', () => {
    for (const ok of [0, 1, 60_000]) {
      it(`takes ${ok}`, () => expect(construct({ accessMaxAge: ok })).not.to.throw());
    }
    for (const bad of [-1, Infinity, NaN, '60000']) {
      it(`refuses ${String(bad)}`, () =>
        expect(construct({ accessMaxAge: bad })).to.throw(
          TypeError,
          'WhopStrategy requires the accessMaxAge option to be a number of milliseconds, 0 or more (0 turns the cache off)',
        ));
    }
  });

  describe('accessCacheSize', () => {
    for (const bad of [0, 1.5, -1, '10']) {
      it(`refuses ${String(bad)}`, () =>
        expect(construct({ accessCacheSize: bad })).to.throw(
          TypeError,
          'WhopStrategy requires the accessCacheSize option to be a positive whole number of answers',
        ));
    }
  });

  describe('environment', () => {
    it('refuses an unknown one', () =>
      expect(
        () => new WhopStrategy({ ...SANDBOX_21, environment: 'staging' as never }, verify),
      ).to.throw(
        TypeError,
        "WhopStrategy requires the environment option to be 'production' or 'sandbox'",
      ));
    it('refuses the sandbox with the legacy flow, saying it needs oauth2.1', () =>
      expect(construct({ environment: 'sandbox' })).to.throw(
        TypeError,
        "WhopStrategy requires the environment option to be 'production' with the legacy flow: the sandbox needs flow: 'oauth2.1'",
      ));
    it('takes production with the legacy flow', () =>
      expect(construct({ environment: 'production' })).not.to.throw());

    describe('sandbox', () => {
      let strategy: WhopStrategy;
      beforeEach(() => {
        strategy = new WhopStrategy(SANDBOX_21, verify);
      });

      it('takes the token URL from the sandbox', () =>
        expect(oauthClientOf(strategy)!.tokenURL).to.equal(`${SANDBOX}/oauth/token`));
      it('takes the revocation URL from the sandbox', () =>
        expect(oauthClientOf(strategy)!.revocationURL).to.equal(`${SANDBOX}/oauth/revoke`));
      it('takes the API from the sandbox', () =>
        expect(oauthClientOf(strategy)!.apiURL).to.equal(`${SANDBOX}/api/v1`));
      it('lets URLs given explicitly win', () => {
        const own = new WhopStrategy(
          {
            ...SANDBOX_21,
            tokenURL: 'http://127.0.0.1:9/token',
            apiURL: 'http://127.0.0.1:9/api',
          },
          verify,
        );
        const client = oauthClientOf(own)!;
        expect([client.tokenURL, client.apiURL, client.revocationURL]).to.deep.equal([
          'http://127.0.0.1:9/token',
          'http://127.0.0.1:9/api',
          `${SANDBOX}/oauth/revoke`,
        ]);
      });
    });
  });
});

describe('the sandbox login', () => {
  let app: TestApp;
  let location: URL;
  let form: Record<string, string> | undefined;
  let scopes: nock.Scope[];
  let outcome: Outcome;
  const token = fixture('oauth21-token');
  const userinfo = fixture('userinfo');

  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  beforeEach(async () => {
    const key = await createKey('sandbox-key');
    app = await startApp(
      new WhopStrategy(SANDBOX_21, async (_a, _r, profile) => ({ id: profile.id })),
    );
    const browser = new Browser(app.url);
    ({ location } = await browser.startLogin());
    const nonce = location.searchParams.get('nonce')!;
    const idToken = await signIdToken({ nonce, iss: SANDBOX }, { key });
    scopes = [
      nock(SANDBOX)
        .post('/oauth/token', (body: Record<string, string>) => {
          form = body;
          return true;
        })
        .reply(200, { ...token, id_token: idToken }),
      nock(SANDBOX).get('/.well-known/jwks.json').reply(200, jwksOf(key)),
      nock(SANDBOX).get('/oauth/userinfo').reply(200, userinfo),
    ];
    outcome = await browser.check({ code: 'code_1', state: location.searchParams.get('state')! });
  });
  afterEach(async () => {
    nock.cleanAll();
    await app.close();
  });
  after(() => nock.enableNetConnect());

  it("redirects to the sandbox's authorize page", () =>
    expect(`${location.origin}${location.pathname}`).to.equal(`${SANDBOX}/oauth/authorize`));
  it("exchanges the code at the sandbox's token endpoint", () =>
    expect(form).to.include({ grant_type: 'authorization_code', code: 'code_1' }));
  it("checks the ID token against the sandbox's keys and issuer, and loads its userinfo", () =>
    scopes.forEach((scope) => scope.done()));
  it('logs the user in', () => expect(outcome.user).to.deep.equal({ id: userinfo.sub }));
});

describe('the sandbox after login', () => {
  const strategy = new WhopStrategy(SANDBOX_21, verify);
  before(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  it('refreshes at the sandbox', async () => {
    const scope = nock(SANDBOX)
      .post('/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: 'rt_1',
        client_id: 'app_test',
        client_secret: 'secret_test',
      })
      .reply(200, { access_token: 'at_2', refresh_token: 'rt_2' });
    await refreshAccessToken(strategy, 'rt_1');
    scope.done();
  });
  it('revokes at the sandbox', async () => {
    const scope = nock(SANDBOX)
      .post('/oauth/revoke', { token: 'rt_1', client_id: 'app_test', client_secret: 'secret_test' })
      .reply(200, {});
    await revokeToken(strategy, 'rt_1');
    scope.done();
  });
});

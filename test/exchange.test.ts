import { expect } from 'chai';
import nock from 'nock';
import refresh from 'passport-oauth2-refresh';
import {
  refreshAccessToken,
  TokenError,
  WhopStrategy,
  withParams,
  type WhopOAuth21Options,
  type WhopTokenParams,
} from '../src/index.js';
import { MOCK_CLIENT, startMockWhop, type MockWhop } from '../src/testing/index.js';
import { Browser, startApp, type TestApp } from './support/app.js';
import { rejection } from './support/rejection.js';

/** passport-oauth2-refresh's callback as a promise: the new tokens and params, or the error. */
function requestNewAccessToken(
  name: string,
  refreshToken: string,
  params: Record<string, string>,
): Promise<{ refreshToken?: string; params?: WhopTokenParams }> {
  return new Promise((resolve, reject) =>
    refresh.requestNewAccessToken(name, refreshToken, params, (err, _access, rotated, result) =>
      err ? reject(err as Error) : resolve({ refreshToken: rotated, params: result }),
    ),
  );
}

describe('TokenExchange', () => {
  describe('refreshing an OAuth 2.1 company login against the mock Whop', () => {
    let whop: MockWhop;
    let app: TestApp;
    let strategy: WhopStrategy;
    let params: WhopTokenParams;
    let refreshToken: string;

    before(async () => {
      whop = await startMockWhop();
      const { oauth21 } = whop;
      strategy = new WhopStrategy(
        {
          ...MOCK_CLIENT,
          flow: 'oauth2.1',
          callbackURL: '/auth/whop/callback',
          authorizationURL: oauth21.authorizationURL,
          tokenURL: oauth21.tokenURL,
          userProfileURL: oauth21.userInfoURL,
          jwksURL: oauth21.jwksURL,
          issuer: oauth21.issuer,
          revocationURL: oauth21.revocationURL,
        } satisfies WhopOAuth21Options,
        withParams(async (_access, rotated, tokenParams) => {
          params = tokenParams;
          refreshToken = rotated!;
          return { id: 'u' };
        }),
      );
      app = await startApp(strategy);
      whop.addClient({ ...MOCK_CLIENT, redirectURIs: [`${app.url}/auth/whop/callback`] });
      const browser = new Browser(app.url);
      const { location } = await browser.startLogin('/auth/whop/company/biz_shop1');
      const back = new URL(await whop.approve(location));
      await browser.check(Object.fromEntries(back.searchParams));
      refresh.use('whop-exchange-test', strategy);
    });
    after(async () => {
      await app.close();
      await whop.close();
    });

    it('gave verify the company as params.company_id', () =>
      expect(params.company_id).to.equal('biz_shop1'));
    it('kept the OpenID scopes in params.scope', () =>
      expect(params.scope).to.equal('openid profile email'));

    it('refreshes with refreshAccessToken and companyId: params.company_id', async () => {
      const tokens = await refreshAccessToken(strategy, refreshToken, {
        companyId: params.company_id,
      });
      refreshToken = tokens.refreshToken;
      expect(tokens.accessToken).to.be.a('string');
    });
    it('refreshes through passport-oauth2-refresh with company_id', async () => {
      const result = await requestNewAccessToken('whop-exchange-test', refreshToken, {
        company_id: params.company_id!,
      });
      refreshToken = result.refreshToken!;
      expect(result.params?.company_id).to.equal('biz_shop1');
    });
    it('refreshes through passport-oauth2-refresh with the company as scope (sent as company_id)', async () => {
      const result = await requestNewAccessToken('whop-exchange-test', refreshToken, {
        scope: 'biz_shop1',
      });
      refreshToken = result.refreshToken!;
      expect(result.params?.access_token).to.be.a('string');
    });
    it('is refused by Whop without the company', async () => {
      const error = await rejection(refreshAccessToken(strategy, refreshToken));
      expect(error).to.be.instanceOf(TokenError).with.property('code', 'invalid_grant');
    });
  });

  describe('what a passport-oauth2-refresh refresh sends', () => {
    const TOKEN_URL = 'https://whop.test/token';
    const base = {
      grant_type: 'refresh_token',
      refresh_token: 'rt_1',
      client_id: 'app_test',
      client_secret: 'secret_test',
    };
    const answer = { access_token: 'at_2', token_type: 'bearer', refresh_token: 'rt_2' };
    const strategyOf = (flow: 'legacy' | 'oauth2.1') =>
      new WhopStrategy(
        {
          flow,
          clientID: 'app_test',
          clientSecret: 'secret_test',
          callbackURL: 'https://example.com/cb',
          tokenURL: TOKEN_URL,
        } as WhopOAuth21Options,
        async () => ({ id: 'u' }),
      );
    before(() => nock.disableNetConnect());
    afterEach(() => nock.cleanAll());
    after(() => nock.enableNetConnect());

    const cases: Array<[string, 'legacy' | 'oauth2.1', Record<string, string>, object]> = [
      ['OAuth 2.1, scope: biz_', 'oauth2.1', { scope: 'biz_a1' }, { company_id: 'biz_a1' }],
      [
        'OAuth 2.1, scope with OpenID scopes and biz_',
        'oauth2.1',
        { scope: 'openid biz_a1' },
        { scope: 'openid', company_id: 'biz_a1' },
      ],
      ['legacy, company_id', 'legacy', { company_id: 'biz_a1' }, { scope: 'biz_a1' }],
      [
        'legacy, read_user and company_id',
        'legacy',
        { scope: 'read_user', company_id: 'biz_a1' },
        { scope: 'read_user biz_a1' },
      ],
    ];
    for (const [when, flow, sent, form] of cases) {
      it(`${when}: sends ${JSON.stringify(form)}`, async () => {
        const name = `whop-form-${flow}`;
        refresh.use(name, strategyOf(flow));
        const scope = nock('https://whop.test')
          .post('/token', { ...base, ...form })
          .reply(200, answer);
        await requestNewAccessToken(name, 'rt_1', sent);
        scope.done();
      });
    }
    it('refuses two different companies before any request', async () => {
      refresh.use('whop-two', strategyOf('oauth2.1'));
      const error = await rejection(
        requestNewAccessToken('whop-two', 'rt_1', { scope: 'biz_a1', company_id: 'biz_b2' }),
      );
      expect(error)
        .to.be.instanceOf(TypeError)
        .with.property('message')
        .match(/one company, not biz_a1 and biz_b2/);
    });
    it('refuses a company_id that is not a company ID', async () => {
      refresh.use('whop-bad', strategyOf('legacy'));
      const error = await rejection(
        requestNewAccessToken('whop-bad', 'rt_1', { company_id: 'read_user' }),
      );
      expect(error)
        .to.be.instanceOf(TypeError)
        .with.property('message')
        .match(/company_id/);
    });
  });
});

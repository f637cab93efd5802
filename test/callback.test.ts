import { expect } from 'chai';
import { LoginChecks, type CallbackParams } from '../src/callback.js';
import { MemoryCodeStore } from '../src/codes.js';
import { WhopStrategy, withParams, type WhopStrategyOptions } from '../src/index.js';
import { MOCK_CLIENT, MOCK_USER, startMockWhop, type MockWhop } from '../src/testing/index.js';
import { Browser, startApp, type Outcome, type TestApp } from './support/app.js';

describe('LoginChecks', () => {
  describe('the company Whop echoes (legacy flow)', () => {
    let n = 0;
    const check = (scope: unknown, company?: string) => {
      const checks = new LoginChecks({
        flow: 'legacy',
        codeStore: new MemoryCodeStore(),
        needsSession: false,
      });
      const params: CallbackParams = { code: `code_${(n += 1)}`, scope, requested: { company } };
      return checks.afterState(params);
    };

    describe('when a login that asked for no company gets read_user back', () => {
      it('goes on to the exchange', async () =>
        expect(await check('read_user')).to.equal(undefined));
    });
    describe('when a company login gets read_user and the company back', () => {
      it('goes on to the exchange', async () =>
        expect(await check('read_user biz_asked', 'biz_asked')).to.equal(undefined));
    });
    describe('when a company login gets only read_user back', () => {
      it('goes on to the exchange (no company echoed, as with no scope)', async () =>
        expect(await check('read_user', 'biz_asked')).to.equal(undefined));
    });
    describe('when read_user comes back beside another company', () => {
      it('fails, naming both companies', async () =>
        expect(await check('read_user biz_other', 'biz_asked')).to.equal(
          'Whop returned to a login for company biz_other, but biz_asked was requested',
        ));
    });
    describe('when a login that asked for no company gets one back', () => {
      it('fails', async () => expect(await check('read_user biz_other')).to.match(/biz_other/));
    });
    describe('when a malformed company comes back', () => {
      it('fails: anything starting with biz_ counts', async () =>
        expect(await check('biz_ab-c', 'biz_asked')).to.match(/company biz_ab-c/));
    });
    describe('when the companies come back comma-separated', () => {
      it('still finds the other one', async () =>
        expect(await check('biz_asked,biz_other', 'biz_asked')).to.match(/company biz_other,/));
    });
  });
});

describe('a legacy login against the mock Whop', () => {
  let whop: MockWhop;
  let app: TestApp;
  let verified: Array<Record<string, unknown>>;

  /** Log in through a real Express app and the mock's consent page; the outcome of the callback. */
  async function login(options: Partial<WhopStrategyOptions>, path = '/auth/whop') {
    verified = [];
    const strategy = new WhopStrategy(
      {
        ...MOCK_CLIENT,
        callbackURL: '/auth/whop/callback',
        authorizationURL: whop.authorizationURL,
        tokenURL: whop.tokenURL,
        userProfileURL: whop.userProfileURL,
        ...options,
      } as WhopStrategyOptions,
      withParams(async (_accessToken, _refreshToken, params, profile) => {
        verified.push({ ...params });
        return { id: profile.id };
      }),
    );
    app = await startApp(strategy);
    whop.addClient({ ...MOCK_CLIENT, redirectURIs: [`${app.url}/auth/whop/callback`] });
    const browser = new Browser(app.url);
    const { location } = await browser.startLogin(path);
    const back = new URL(await whop.approve(location));
    const outcome: Outcome = await browser.check(Object.fromEntries(back.searchParams));
    return { location, back, outcome };
  }

  beforeEach(async () => {
    whop = await startMockWhop();
  });
  afterEach(async () => {
    await app?.close();
    await whop.close();
  });

  describe('with scope: read_user, which Whop echoes', () => {
    let result: Awaited<ReturnType<typeof login>>;
    beforeEach(async () => {
      result = await login({ scope: 'read_user' });
    });

    it('asks for read_user', () =>
      expect(result.location.searchParams.get('scope')).to.equal('read_user'));
    it('gets read_user echoed', () =>
      expect(result.back.searchParams.get('scope')).to.equal('read_user'));
    it('logs in', () => expect(result.outcome.user).to.deep.equal({ id: MOCK_USER.id }));
    it('gives verify no company_id', () => expect(verified[0]).not.to.have.property('company_id'));
  });

  describe('with read_user and a company per request', () => {
    let result: Awaited<ReturnType<typeof login>>;
    beforeEach(async () => {
      result = await login({ scope: ['read_user'] }, '/auth/whop/company/biz_shop1');
    });

    it('asks for both', () =>
      expect(result.location.searchParams.get('scope')).to.equal('read_user biz_shop1'));
    it('logs in', () => expect(result.outcome.user).to.deep.equal({ id: MOCK_USER.id }));
    it('tells verify the company in params.company_id', () =>
      expect(verified[0]).to.include({ company_id: 'biz_shop1' }));
    it("passes Whop's created_at on in params", () =>
      expect(verified[0]!.created_at).to.be.a('number'));
  });

  describe("at Whop's /v5 endpoints (Auth.js, better-auth)", () => {
    it('logs in', async () => {
      const { outcome } = await login({
        tokenURL: `${whop.url}/v5/oauth/token`,
        userProfileURL: `${whop.url}/v5/me`,
      });
      expect([outcome.user, whop.requestCount('/v5/oauth/token')]).to.deep.equal([
        { id: MOCK_USER.id },
        1,
      ]);
    });
  });
});

import { expect } from 'chai';
import {
  checkAccess,
  WhopStrategy,
  type WhopProfile,
  type WhopStrategyOptions,
} from '../../src/index.js';
import { MOCK_USER, startMockWhop, type MockWhop } from '../../src/testing/index.js';
import { Browser, startApp, type Outcome, type TestApp } from '../support/app.js';

const OUTSIDER = { id: 'user_outsider', username: 'outsider', name: 'Out Sider' };

interface Login {
  outcome: Outcome;
  profiles: WhopProfile[];
  accessTokens: string[];
  strategy: WhopStrategy;
}

describe('MockWhop access check', () => {
  let whop: MockWhop;
  let app: TestApp | undefined;

  beforeEach(async () => {
    whop = await startMockWhop({ users: [MOCK_USER, OUTSIDER] });
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await whop.close();
  });

  /** A legacy login through a real Express app against the mock, as `userID`. */
  async function login(userID: string, options: Partial<WhopStrategyOptions> = {}): Promise<Login> {
    const profiles: WhopProfile[] = [];
    const accessTokens: string[] = [];
    const strategy = new WhopStrategy(
      { ...whop.strategyOptions(), callbackURL: '/auth/whop/callback', ...options },
      async (accessToken, _r, profile) => {
        accessTokens.push(accessToken);
        profiles.push(profile);
        return { id: profile.id };
      },
    );
    app = await startApp(strategy);
    whop.strategyOptions({ callbackURL: `${app.url}/auth/whop/callback` });
    const browser = new Browser(app.url);
    const { location } = await browser.startLogin();
    const back = new URL(await whop.approve(location, { userID }));
    const outcome = await browser.check(Object.fromEntries(back.searchParams));
    return { outcome, profiles, accessTokens, strategy };
  }

  describe('with requireAccess, for a user given access', () => {
    let result: Login;
    beforeEach(async () => {
      whop.setAccess(MOCK_USER.id, 'prod_demo', 'customer');
      result = await login(MOCK_USER.id, { requireAccess: 'prod_demo' });
    });

    it('lets the user in', () => expect(result.outcome.user).to.deep.equal({ id: MOCK_USER.id }));
    it('gives the level in profile.access', () =>
      expect(result.profiles[0]!.access).to.deep.equal({ prod_demo: 'customer' }));
    it('is asked at the access path', () =>
      expect(whop.requestCount(`/api/v1/users/${MOCK_USER.id}/access/prod_demo`)).to.equal(1));
  });

  describe('with requireAccess, for a user never given access', () => {
    let result: Login;
    beforeEach(async () => {
      whop.setAccess(MOCK_USER.id, 'prod_demo', 'customer');
      result = await login(OUTSIDER.id, { requireAccess: 'prod_demo' });
    });

    it('fails the login with 403', () => expect(result.outcome.status).to.equal(403));
    it('does not call verify', () => expect(result.profiles).to.have.length(0));
  });

  describe('the endpoint', () => {
    let accessToken: string;
    let strategy: WhopStrategy;
    const ask = async (user: string, resource: string, token = accessToken) => {
      const response = await fetch(`${whop.apiURL}/users/${user}/access/${resource}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: response.status, json: (await response.json()) as unknown };
    };

    beforeEach(async () => {
      ({
        accessTokens: [accessToken = ''],
        strategy,
      } = await login(MOCK_USER.id, { accessMaxAge: 0 }));
    });

    it('is at apiURL', () => expect(whop.apiURL).to.equal(`${whop.url}/api/v1`));
    it('answers no_access for a pair never set', async () =>
      expect(await ask(MOCK_USER.id, 'exp_never')).to.deep.equal({
        status: 200,
        json: { has_access: false, access_level: 'no_access' },
      }));
    it('answers the level set', async () => {
      whop.setAccess(MOCK_USER.id, 'biz_team', 'admin');
      expect(await ask(MOCK_USER.id, 'biz_team')).to.deep.equal({
        status: 200,
        json: { has_access: true, access_level: 'admin' },
      });
    });
    it('takes the username for the id', async () => {
      whop.setAccess(MOCK_USER.id, 'prod_demo', 'customer');
      expect((await ask(MOCK_USER.username, 'prod_demo')).json).to.deep.equal({
        has_access: true,
        access_level: 'customer',
      });
    });
    it('answers a level taken back as no access', async () => {
      whop.setAccess(MOCK_USER.id, 'prod_demo', 'customer');
      whop.setAccess(MOCK_USER.id, 'prod_demo', 'no_access');
      expect((await ask(MOCK_USER.id, 'prod_demo')).json).to.deep.include({ has_access: false });
    });
    it("refuses to answer about another user with a user's token", async () =>
      expect((await ask(OUTSIDER.id, 'prod_demo')).status).to.equal(403));
    it('answers 401 without a valid token', async () =>
      expect(await ask(MOCK_USER.id, 'prod_demo', 'not_a_token')).to.deep.equal({
        status: 401,
        json: {
          error: {
            type: 'unauthorized',
            message: 'The API key or access token is invalid, expired or revoked',
          },
        },
      }));
    it('serves checkAccess', async () => {
      whop.setAccess(MOCK_USER.id, 'exp_room', 'customer');
      const check = () =>
        checkAccess(strategy, { accessToken, userId: MOCK_USER.id, resourceId: 'exp_room' });
      expect(await check()).to.deep.equal({ hasAccess: true, accessLevel: 'customer' });
      whop.setAccess(MOCK_USER.id, 'exp_room', 'no_access');
      // accessMaxAge: 0, so the change is seen at once.
      expect(await check()).to.deep.equal({ hasAccess: false, accessLevel: 'no_access' });
    });
  });

  describe('setAccess', () => {
    it('refuses a resource that is not biz_, prod_ or exp_', () =>
      expect(() => whop.setAccess(MOCK_USER.id, 'plan_x', 'customer')).to.throw(
        TypeError,
        'MockWhop#setAccess requires a resource ID: biz_, prod_ or exp_ followed by letters and digits',
      ));
    it('refuses an unknown level', () =>
      expect(() => whop.setAccess(MOCK_USER.id, 'prod_x', 'owner' as never)).to.throw(
        TypeError,
        "MockWhop#setAccess requires a level: 'admin', 'customer' or 'no_access'",
      ));
  });
});

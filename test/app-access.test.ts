import { expect } from 'chai';
import { checkAccess, NO_ACCESS, NOT_A_RESOURCE, WhopAppStrategy } from '../src/index.js';
import { MOCK_USER, startMockWhop, type MockWhop } from '../src/testing/index.js';
import { startAppStrategyApp, type AppOutcome } from './support/user-tokens.js';

const EXPERIENCE = 'exp_member1';
const OTHER = 'exp_other1';
const HEADER = 'x-whop-user-token';

describe('WhopAppStrategy: requireAccess per request', () => {
  let whop: MockWhop;
  let app: Awaited<ReturnType<typeof startAppStrategyApp>>;
  let verified: number;
  let token: string;
  before(async () => {
    whop = await startMockWhop();
    whop.setAccess(MOCK_USER.id, EXPERIENCE, 'customer');
    const strategy = new WhopAppStrategy(whop.appStrategyOptions(), async (user) => {
      verified++;
      return { id: user.userId, access: user.access };
    });
    app = await startAppStrategyApp(strategy);
    token = await whop.userToken();
  });
  after(async () => {
    await app.close();
    await whop.close();
  });
  beforeEach(() => (verified = 0));

  const at = (path: string) => app.outcome({ [HEADER]: token }, path);
  const accessChecks = () =>
    whop.requestCount(`/api/v1/users/${MOCK_USER.id}/access/${EXPERIENCE}`);

  describe('for a member of the experience', () => {
    let outcome: AppOutcome;
    beforeEach(async () => (outcome = await at(`/check/${EXPERIENCE}`)));

    it('lets the request in, with the access level', () =>
      expect(outcome).to.deep.equal({
        status: 200,
        user: { id: MOCK_USER.id, access: { [EXPERIENCE]: 'customer' } },
      }));
    it('calls verify', () => expect(verified).to.equal(1));
    it('asks Whop with the app API key, and keeps the answer', async () => {
      const before = accessChecks();
      await at(`/check/${EXPERIENCE}`);
      expect([before, accessChecks()]).to.deep.equal([1, 1]);
    });
  });

  describe('for a user without access', () => {
    let outcome: AppOutcome;
    beforeEach(async () => (outcome = await at(`/check/${OTHER}`)));

    it(`fails with 403 and ${NO_ACCESS}`, () =>
      expect([outcome.status, outcome.info?.code]).to.deep.equal([403, NO_ACCESS]));
    it('says which resource', () => expect(outcome.info?.message).to.include(OTHER));
    it('never calls verify', () => expect(verified).to.equal(0));
  });

  describe('with several resources', () => {
    it('lets in a member of one of them, with each level', async () =>
      expect((await at(`/check-any/${OTHER}/${EXPERIENCE}`)).user).to.deep.equal({
        id: MOCK_USER.id,
        access: { [OTHER]: 'no_access', [EXPERIENCE]: 'customer' },
      }));
    it('refuses a member of none', async () =>
      expect((await at(`/check-any/${OTHER}/exp_third1`)).status).to.equal(403));
  });

  describe('with requireAccess present but undefined (a misnamed route parameter)', () => {
    it('is a TypeError, not a request let in', async () => {
      const outcome = await at('/check-misnamed/exp_x');
      expect([outcome.status, outcome.error?.name, verified]).to.deep.equal([500, 'TypeError', 0]);
    });
  });

  describe('through the plain route an app writes', () => {
    it('answers a member 200 with the user', async () => {
      const response = await fetch(`${app.url}/experiences/${EXPERIENCE}`, {
        headers: { [HEADER]: token },
      });
      expect([response.status, ((await response.json()) as { id: string }).id]).to.deep.equal([
        200,
        MOCK_USER.id,
      ]);
    });
    it('answers anyone else 403', async () => {
      const response = await fetch(`${app.url}/experiences/${OTHER}`, {
        headers: { [HEADER]: token },
      });
      expect(response.status).to.equal(403);
    });
    it('answers a request without a token 401, before any access check', async () => {
      const before = whop.requests.length;
      const response = await fetch(`${app.url}/experiences/${EXPERIENCE}`);
      expect([response.status, whop.requests.length]).to.deep.equal([401, before]);
    });
  });

  describe('with a resource that is not a Whop ID (from the URL)', () => {
    it(`fails with 403 and ${NOT_A_RESOURCE}`, async () => {
      const outcome = await at('/check/..%2Fadmin');
      expect([outcome.status, outcome.info?.code, verified]).to.deep.equal([
        403,
        NOT_A_RESOURCE,
        0,
      ]);
    });
  });

  describe('checkAccess with the strategy', () => {
    it('asks with the API key, without an access token', async () => {
      whop.setAccess(MOCK_USER.id, 'prod_app1', 'admin');
      const strategy = new WhopAppStrategy(whop.appStrategyOptions(), (u, done) => done(null, u));
      expect(
        await checkAccess(strategy, { userId: MOCK_USER.id, resourceId: 'prod_app1' }),
      ).to.deep.equal({ hasAccess: true, accessLevel: 'admin' });
    });
  });
});

describe('WhopAppStrategy: requireAccess without apiKey', () => {
  let whop: MockWhop;
  let app: Awaited<ReturnType<typeof startAppStrategyApp>>;
  before(async () => {
    whop = await startMockWhop();
    const { apiKey: _, ...options } = whop.appStrategyOptions();
    app = await startAppStrategyApp(new WhopAppStrategy(options, async (u) => u));
  });
  after(async () => {
    await app.close();
    await whop.close();
  });

  it('is a TypeError that says the apiKey option is needed', async () => {
    const outcome = await app.outcome({ [HEADER]: await whop.userToken() }, `/check/${EXPERIENCE}`);
    expect(outcome.error).to.deep.equal({
      name: 'TypeError',
      message:
        "WhopAppStrategy requires the apiKey option for requireAccess: Whop checks a user's access with the app's API key",
    });
  });
});

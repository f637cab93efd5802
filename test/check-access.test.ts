import { expect } from 'chai';
import nock from 'nock';
import {
  checkAccess,
  InternalOAuthError,
  WhopStrategy,
  type WhopAccess,
  type WhopStrategyOptions,
} from '../src/index.js';
import { fixture } from './support/fixtures.js';
import { rejection } from './support/rejection.js';
import { BASE, WHOP_API } from './support/whop.js';

const USER = 'user_1';
const member = fixture('access');
const verify = async () => ({ id: 'u' });

/** Whop's access endpoint for `user` and `resource`, expecting `bearer`. */
function accessEndpoint(bearer: string, user = USER, resource = 'prod_abc', origin = WHOP_API) {
  return nock(origin, { reqheaders: { authorization: `Bearer ${bearer}` } }).get(
    `/api/v1/users/${user}/access/${resource}`,
  );
}

describe('checkAccess', () => {
  let strategy: WhopStrategy;
  const check = (accessToken: string, userId = USER, resourceId = 'prod_abc') =>
    checkAccess(strategy, { accessToken, userId, resourceId });

  before(() => nock.disableNetConnect());
  beforeEach(() => {
    strategy = new WhopStrategy(BASE, verify);
  });
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  describe('when the user has access', () => {
    it("resolves Whop's answer", async () => {
      accessEndpoint('at_1').reply(200, member);
      expect(await check('at_1')).to.deep.equal({ hasAccess: true, accessLevel: 'customer' });
    });
  });

  describe('when the user has no access', () => {
    it('resolves the answer: no access is not an error', async () => {
      accessEndpoint('at_1').reply(200, { has_access: false, access_level: 'no_access' });
      expect(await check('at_1')).to.deep.equal({ hasAccess: false, accessLevel: 'no_access' });
    });
  });

  describe("when Whop's has_access and access_level disagree", () => {
    it('resolves has_access as Whop said it', async () => {
      accessEndpoint('at_1').reply(200, { has_access: false, access_level: 'customer' });
      expect(await check('at_1')).to.deep.equal({ hasAccess: false, accessLevel: 'customer' });
    });
  });

  describe('when the answer has no access_level', () => {
    it('rejects with an InternalOAuthError', async () => {
      accessEndpoint('at_1').reply(200, { has_access: true });
      const error = await rejection(check('at_1'));
      expect(error).to.be.instanceOf(InternalOAuthError);
      expect(error.message).to.match(/^Failed to check the user's access: the answer is not JSON/);
    });
  });

  describe('with concurrent identical checks', () => {
    let answers: WhopAccess[];
    let requests: number;
    beforeEach(async () => {
      requests = 0;
      accessEndpoint('at_1')
        .times(100)
        .reply(() => {
          requests++;
          return [200, member];
        });
      answers = await Promise.all(Array.from({ length: 100 }, () => check('at_1')));
    });

    it('asks Whop once', () => expect(requests).to.equal(1));
    it('gives every caller the answer', () =>
      expect(answers.every((a) => a.hasAccess && a.accessLevel === 'customer')).to.equal(true));
  });

  describe('a second check within accessMaxAge', () => {
    it('is answered from the cache, without a request', async () => {
      const scope = accessEndpoint('at_1').once().reply(200, member);
      await check('at_1');
      // nock answers no second request: a request would reject this check.
      expect(await check('at_1')).to.deep.equal({ hasAccess: true, accessLevel: 'customer' });
      expect(scope.isDone()).to.equal(true);
    });
  });

  describe('with accessMaxAge: 0', () => {
    it('asks Whop at every check', async () => {
      strategy = new WhopStrategy({ ...BASE, accessMaxAge: 0 }, verify);
      const scope = accessEndpoint('at_1').twice().reply(200, member);
      await check('at_1');
      await check('at_1');
      expect(scope.isDone()).to.equal(true);
    });
  });

  describe('after a check for one user and token', () => {
    beforeEach(async () => {
      accessEndpoint('at_member').reply(200, member);
      await check('at_member');
    });

    it('asks Whop again for another token of the same user', async () => {
      const scope = accessEndpoint('at_other').reply(200, {
        has_access: false,
        access_level: 'no_access',
      });
      expect((await check('at_other')).hasAccess).to.equal(false);
      expect(scope.isDone()).to.equal(true);
    });
    it('asks Whop again for another user with the same token', async () => {
      const scope = accessEndpoint('at_member', 'user_2').reply(200, {
        has_access: false,
        access_level: 'no_access',
      });
      expect((await check('at_member', 'user_2')).hasAccess).to.equal(false);
      expect(scope.isDone()).to.equal(true);
    });
    it('asks Whop again for another resource', async () => {
      const scope = accessEndpoint('at_member', USER, 'exp_xyz').reply(200, member);
      await check('at_member', USER, 'exp_xyz');
      expect(scope.isDone()).to.equal(true);
    });
  });

  describe('when Whop fails', () => {
    let error: Error;
    beforeEach(async () => {
      accessEndpoint('at_secret_token').reply(401, { message: 'Invalid token at_secret_token' });
      error = await rejection(check('at_secret_token'));
    });

    it('rejects with an InternalOAuthError', () =>
      expect(error).to.be.instanceOf(InternalOAuthError));
    it('names the step and the status', () =>
      expect(error.message).to.match(/^Failed to check the user's access: Whop answered HTTP 401/));
    it('holds no token', () => {
      expect(error.message).not.to.include('at_secret_token');
      expect(JSON.stringify(error)).not.to.include('at_secret_token');
    });
    it('keeps no error: the next check asks again', async () => {
      const scope = accessEndpoint('at_secret_token').reply(200, member);
      expect((await check('at_secret_token')).hasAccess).to.equal(true);
      expect(scope.isDone()).to.equal(true);
    });
  });

  describe('where it asks', () => {
    const options = (extra: Record<string, unknown>) =>
      ({ ...BASE, ...extra }) as unknown as WhopStrategyOptions;

    it('follows apiURL', async () => {
      strategy = new WhopStrategy(options({ apiURL: 'https://proxy.example/whop/v1/' }), verify);
      const scope = nock('https://proxy.example')
        .get(`/whop/v1/users/${USER}/access/prod_abc`)
        .reply(200, member);
      await check('at_1');
      expect(scope.isDone()).to.equal(true);
    });
    it("follows the strategy's environment", async () => {
      strategy = new WhopStrategy(
        {
          flow: 'oauth2.1',
          clientID: 'app_test',
          callbackURL: BASE.callbackURL,
          environment: 'sandbox',
        },
        verify,
      );
      const scope = accessEndpoint('at_1', USER, 'prod_abc', 'https://sandbox-api.whop.com').reply(
        200,
        member,
      );
      await check('at_1');
      expect(scope.isDone()).to.equal(true);
    });
  });

  describe('arguments', () => {
    const cases: [string, () => Promise<unknown>, string][] = [
      [
        'a strategy',
        () =>
          checkAccess({} as WhopStrategy, { accessToken: 'a', userId: USER, resourceId: 'prod_a' }),
        'checkAccess requires a WhopStrategy or a WhopAppStrategy as its strategy argument',
      ],
      [
        'an options object',
        () => checkAccess(strategy, undefined as never),
        'checkAccess requires an options object: { accessToken, userId, resourceId }',
      ],
      [
        'an accessToken',
        () => check(''),
        "checkAccess requires an accessToken: a non-empty string (or the strategy's apiKey option)",
      ],
      ...['', '.', '..', 'user_\ud800', 'user_a/../b', 'user_%2e', 'username'].map(
        (userId): [string, () => Promise<unknown>, string] => [
          `a userId that is a Whop user ID, not ${JSON.stringify(userId)}`,
          () => check('at_1', userId),
          "checkAccess requires a userId: the user's Whop ID (user_ followed by letters, digits and underscores)",
        ],
      ),
      [
        'a resource ID',
        () => check('at_1', USER, 'plan_abc'),
        'checkAccess requires a resourceId: biz_, prod_ or exp_ followed by letters and digits',
      ],
    ];
    for (const [what, call, message] of cases) {
      it(`requires ${what}`, async () => {
        const error = await rejection(call());
        expect(error).to.be.instanceOf(TypeError);
        expect(error.message).to.equal(message);
      });
    }
  });
});

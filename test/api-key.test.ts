import { expect } from 'chai';
import { inspect } from 'node:util';
import nock from 'nock';
import { checkAccess, WhopAppStrategy, WhopStrategy } from '../src/index.js';
import { fixture } from './support/fixtures.js';
import { rejection } from './support/rejection.js';
import { BASE, WHOP_API } from './support/whop.js';

const API_KEY = 'apik_the_apps_secret_key';
const USER = 'user_1';
const member = fixture('access');
const path = (resource = 'prod_abc') => `/api/v1/users/${USER}/access/${resource}`;
const withKey = () => nock(WHOP_API, { reqheaders: { authorization: `Bearer ${API_KEY}` } });

describe('the apiKey option', () => {
  before(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  describe('of WhopStrategy', () => {
    let strategy: WhopStrategy;
    beforeEach(() => (strategy = new WhopStrategy({ ...BASE, apiKey: API_KEY }, async () => ({}))));

    it('must be a non-empty string', () =>
      expect(() => new WhopStrategy({ ...BASE, apiKey: '' }, async () => ({}))).to.throw(
        TypeError,
        "WhopStrategy requires the apiKey option to be the app's API key from Whop's dashboard, a non-empty string",
      ));

    it('lets checkAccess ask without an access token, with the key as bearer', async () => {
      const scope = withKey().get(path()).reply(200, member);
      const answer = await checkAccess(strategy, { userId: USER, resourceId: 'prod_abc' });
      expect(answer).to.deep.equal({ hasAccess: true, accessLevel: 'customer' });
      scope.done();
    });

    it('sends the key, not the access token given', async () => {
      const scope = withKey().get(path()).reply(200, member);
      await checkAccess(strategy, { accessToken: 'at_1', userId: USER, resourceId: 'prod_abc' });
      scope.done();
    });

    it('keeps one answer per user and resource, whatever the token', async () => {
      const scope = withKey().get(path()).once().reply(200, member);
      await checkAccess(strategy, { accessToken: 'at_1', userId: USER, resourceId: 'prod_abc' });
      await checkAccess(strategy, { accessToken: 'at_2', userId: USER, resourceId: 'prod_abc' });
      await checkAccess(strategy, { userId: USER, resourceId: 'prod_abc' });
      expect(scope.isDone()).to.equal(true);
    });

    it('asks again for another user', async () => {
      withKey().get(path()).reply(200, member);
      const other = withKey()
        .get('/api/v1/users/user_2/access/prod_abc')
        .reply(200, { has_access: false, access_level: 'no_access' });
      await checkAccess(strategy, { userId: USER, resourceId: 'prod_abc' });
      const answer = await checkAccess(strategy, { userId: 'user_2', resourceId: 'prod_abc' });
      expect([answer.hasAccess, other.isDone()]).to.deep.equal([false, true]);
    });

    it("never shows the key in an error, even when Whop's answer quotes it", async () => {
      withKey()
        .get(path())
        .reply(401, { error: { code: 'unauthorized', message: `Bad key ${API_KEY}` } });
      const error = await rejection(
        checkAccess(strategy, { userId: USER, resourceId: 'prod_abc' }),
      );
      expect(inspect(error)).to.include('Bad key [redacted]').and.not.to.include(API_KEY);
    });
  });

  describe('of WhopAppStrategy', () => {
    it('lets checkAccess ask with the key', async () => {
      const strategy = new WhopAppStrategy({ appId: 'app_1', apiKey: API_KEY }, (u, done) =>
        done(null, u),
      );
      const scope = withKey().get(path('exp_1')).reply(200, member);
      await checkAccess(strategy, { userId: USER, resourceId: 'exp_1' });
      scope.done();
    });

    it('without a key, checkAccess needs an access token', async () => {
      const strategy = new WhopAppStrategy({ appId: 'app_1' }, (u, done) => done(null, u));
      const error = await rejection(checkAccess(strategy, { userId: USER, resourceId: 'exp_1' }));
      expect(error.message).to.equal(
        "checkAccess requires an accessToken: a non-empty string (or the strategy's apiKey option)",
      );
    });
  });
});

import { expect } from 'chai';
import nock from 'nock';
import { AccessChecker, tokenKey } from '../src/whop/access.js';
import {
  WhopStrategy,
  type WhopOAuth21Options,
  type WhopProfile,
  type WhopStrategyOptions,
} from '../src/index.js';
import { Browser, startApp, type Outcome, type TestApp } from './support/app.js';
import { fixture } from './support/fixtures.js';
import { createKey, jwksOf, signIdToken } from './support/id-tokens.js';
import { rejection } from './support/rejection.js';
import { BASE, token, WHOP_API, whopAnswers } from './support/whop.js';

const USER = 'user_xxxxxxxxxxxxx';
const accessPath = (resource: string, user = USER) => `/api/v1/users/${user}/access/${resource}`;
const member = fixture('access');
const outsider = { has_access: false, access_level: 'no_access' };

/** Whop's access endpoint for `resource`, expecting the user's token as Bearer. */
function accessAnswer(resource: string, bearer = token.access_token as string) {
  return nock(WHOP_API, { reqheaders: { authorization: `Bearer ${bearer}` } }).get(
    accessPath(resource),
  );
}

describe('requireAccess', () => {
  let app: TestApp | undefined;
  let profiles: WhopProfile[];
  let outcome: Outcome;

  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(async () => {
    nock.cleanAll();
    await app?.close();
    app = undefined;
  });
  after(() => nock.enableNetConnect());

  /** A legacy login (token and profile faked) through a real Express app, with `options`. */
  async function login(options: Partial<WhopStrategyOptions>): Promise<Outcome> {
    profiles = [];
    const strategy = new WhopStrategy({ ...BASE, ...options }, async (_a, _r, profile) => {
      profiles.push(profile);
      return { id: profile.id };
    });
    app = await startApp(strategy);
    const browser = new Browser(app.url);
    const { state } = await browser.startLogin();
    whopAnswers();
    return browser.check({ code: 'code_1', state: state! });
  }

  describe('when the user is a customer of the product', () => {
    let access: nock.Scope;
    beforeEach(async () => {
      access = accessAnswer('prod_abc').matchHeader('x-app', 'demo').reply(200, member);
      outcome = await login({ requireAccess: 'prod_abc', customHeaders: { 'x-app': 'demo' } });
    });

    it('logs the user in', () => expect(outcome.user).to.deep.equal({ id: USER }));
    it('gives verify the profile with its access', () =>
      expect(profiles[0]!.access).to.deep.equal({ prod_abc: 'customer' }));
    it("asks Whop with the user's token and the strategy's headers", () =>
      expect(access.isDone()).to.equal(true));
  });

  for (const [what, body] of [
    ['.', '{"id":"."}'],
    ['..', '{"id":".."}'],
    ['a lone surrogate', '{"id":"user_\\ud800"}'],
    ['a path', '{"id":"user_a/../../biz_x"}'],
  ]) {
    describe(`when Whop's profile names the user ${what}`, () => {
      let anyAccess: nock.Scope;
      beforeEach(async () => {
        const strategy = new WhopStrategy({ ...BASE, requireAccess: 'prod_abc' }, async () => ({
          id: 'in',
        }));
        app = await startApp(strategy);
        const browser = new Browser(app.url);
        const { state } = await browser.startLogin();
        nock('https://data.whop.com').post('/api/v3/oauth/token').reply(200, token);
        nock(WHOP_API).get('/api/v5/me').reply(200, body, { 'content-type': 'application/json' });
        anyAccess = nock(WHOP_API)
          .get(/access/)
          .reply(200, member);
        outcome = await browser.check({ code: 'code_1', state: state! });
      });

      it('fails the login with an InternalOAuthError naming the rule, not a URIError', () =>
        expect(outcome.error).to.deep.include({
          name: 'InternalOAuthError',
          message:
            "Failed to check the user's access: the user ID Whop gave is not a Whop user ID (user_ followed by letters, digits and underscores)",
        }));
      it('asks Whop nothing about access', () => expect(anyAccess.isDone()).to.equal(false));
    });
  }

  describe('when Whop says has_access: false beside access_level: customer', () => {
    beforeEach(async () => {
      accessAnswer('prod_abc').reply(200, { has_access: false, access_level: 'customer' });
      outcome = await login({ requireAccess: 'prod_abc' });
    });

    it('goes by has_access: the login fails with 403', () =>
      expect(outcome).to.deep.include({ user: false, status: 403 }));
    it('does not call verify', () => expect(profiles).to.have.length(0));
  });

  describe('when the user has no access', () => {
    beforeEach(async () => {
      accessAnswer('prod_abc').reply(200, outsider);
      outcome = await login({ requireAccess: 'prod_abc' });
    });

    it('fails the login with 403', () => expect(outcome.status).to.equal(403));
    it('names the resource', () =>
      expect(outcome.info?.message).to.equal('This Whop account has no access to prod_abc'));
    it('does not call verify', () => expect(profiles).to.have.length(0));
  });

  describe('with several resources', () => {
    describe('when the user has access to one of them', () => {
      beforeEach(async () => {
        accessAnswer('prod_abc').reply(200, outsider);
        accessAnswer('exp_def').reply(200, { has_access: true, access_level: 'admin' });
        outcome = await login({ requireAccess: ['prod_abc', 'exp_def'] });
      });

      it('logs the user in', () => expect(outcome.user).to.deep.equal({ id: USER }));
      it("gives every resource's level", () =>
        expect(profiles[0]!.access).to.deep.equal({ prod_abc: 'no_access', exp_def: 'admin' }));
    });

    describe('when the user has access to none', () => {
      beforeEach(async () => {
        accessAnswer('prod_abc').reply(200, outsider);
        accessAnswer('biz_ghi').reply(200, outsider);
        outcome = await login({ requireAccess: ['prod_abc', 'biz_ghi'] });
      });

      it('fails the login with 403', () => expect(outcome.status).to.equal(403));
      it('names every resource', () =>
        expect(outcome.info?.message).to.equal(
          'This Whop account has no access to any of prod_abc, biz_ghi',
        ));
    });

    describe('the requests', () => {
      let arrived: string[];
      beforeEach(async () => {
        arrived = [];
        // Each answer waits until both requests have arrived: asked one after the other, the
        // first would wait forever and the login would time out.
        const waiting: (() => void)[] = [];
        for (const resource of ['prod_abc', 'exp_def']) {
          accessAnswer(resource).reply((_uri, _body, callback) => {
            arrived.push(resource);
            waiting.push(() => callback(null, [200, member]));
            if (waiting.length === 2) for (const answer of waiting) answer();
          });
        }
        outcome = await login({ requireAccess: ['prod_abc', 'exp_def'], timeout: 2000 });
      });

      it('go to Whop at once', () => expect(arrived).to.have.members(['prod_abc', 'exp_def']));
      it('let the user in', () => expect(outcome.user).to.deep.equal({ id: USER }));
    });
  });

  describe('when Whop fails the check', () => {
    // Only the slow answer needs a short deadline: under load, 100 ms for the whole login could
    // run out in the token step before the access check starts.
    const failures: [string, (scope: nock.Interceptor) => nock.Scope, number?][] = [
      ['a 5xx', (i) => i.reply(503, { message: 'Service unavailable' })],
      ['a 401', (i) => i.reply(401, { error: { type: 'unauthorized', message: 'Bad token' } })],
      ['a body that is not JSON', (i) => i.reply(200, '<html>oops</html>')],
      ['JSON that is not an answer', (i) => i.reply(200, { has_access: 'yes' })],
      ['an answer without access_level', (i) => i.reply(200, { has_access: true })],
      ['an answer without has_access', (i) => i.reply(200, { access_level: 'customer' })],
      ['no answer in time', (i) => i.delay(2000).reply(200, member), 500],
      [
        'a message quoting the token',
        (i) => i.reply(400, { message: `bad ${token.access_token}` }),
      ],
    ];
    for (const [name, answer, timeout] of failures) {
      describe(`with ${name}`, () => {
        beforeEach(async () => {
          answer(accessAnswer('prod_abc'));
          outcome = await login({ requireAccess: 'prod_abc', timeout });
        });

        it('is an InternalOAuthError', () =>
          expect(outcome.error?.name).to.equal('InternalOAuthError'));
        it('names the access step', () =>
          expect(outcome.error?.message).to.match(/^Failed to check the user's access: /));
        it('does not call verify', () => expect(profiles).to.have.length(0));
        it('holds no token', () =>
          expect(JSON.stringify(outcome)).not.to.include(token.access_token));
      });
    }
  });

  describe('with flow: oauth2.1', () => {
    let userinfoSub: string;
    beforeEach(async () => {
      userinfoSub = 'user_from_userinfo';
      profiles = [];
      // No `openid` scope: no ID token, so the user ID can only come from userinfo's `sub`.
      const options: WhopOAuth21Options = {
        flow: 'oauth2.1',
        clientID: 'app_test',
        callbackURL: BASE.callbackURL,
        scope: ['profile'],
        requireAccess: 'exp_abc',
      };
      const strategy = new WhopStrategy(options, async (_a, _r, profile) => {
        profiles.push(profile);
        return { id: profile.id };
      });
      app = await startApp(strategy);
      const browser = new Browser(app.url);
      const { state } = await browser.startLogin();
      nock(WHOP_API).post('/oauth/token').reply(200, { access_token: 'at_21', expires_in: 3600 });
      nock(WHOP_API).get('/oauth/userinfo').reply(200, { sub: userinfoSub });
      nock(WHOP_API, { reqheaders: { authorization: 'Bearer at_21' } })
        .get(accessPath('exp_abc', userinfoSub))
        .reply(200, member);
      outcome = await browser.check({ code: 'code_1', state: state! });
    });

    it("asks about the userinfo's sub", () =>
      expect(profiles[0]?.access).to.deep.equal({ exp_abc: 'customer' }));
  });

  describe('with flow: oauth2.1 and skipUserProfile: true', () => {
    let access: nock.Scope;
    beforeEach(async () => {
      const key = await createKey('k1');
      const strategy = new WhopStrategy(
        {
          flow: 'oauth2.1',
          clientID: 'app_test',
          callbackURL: BASE.callbackURL,
          skipUserProfile: true,
          requireAccess: 'exp_abc',
        },
        async () => ({ id: 'in' }),
      );
      app = await startApp(strategy);
      const browser = new Browser(app.url);
      const { location, state } = await browser.startLogin();
      const nonce = location.searchParams.get('nonce')!;
      const idToken = await signIdToken({ nonce, sub: 'user_from_id_token' }, { key });
      nock(WHOP_API).post('/oauth/token').reply(200, { access_token: 'at_21', id_token: idToken });
      nock(WHOP_API).get('/.well-known/jwks.json').reply(200, jwksOf(key));
      access = nock(WHOP_API, { reqheaders: { authorization: 'Bearer at_21' } })
        .get(accessPath('exp_abc', 'user_from_id_token'))
        .reply(200, member);
      outcome = await browser.check({ code: 'code_1', state: state! });
    });

    it("asks about the ID token's sub", () => expect(access.isDone()).to.equal(true));
    it('logs the user in', () => expect(outcome.user).to.deep.equal({ id: 'in' }));
  });
});

describe('AccessChecker', () => {
  const API = 'https://api.whop.com/api/v1';
  let clock: number;
  let checker: AccessChecker;
  const ask = (accessToken: string, user = USER, resource = 'prod_abc') =>
    checker.check(accessToken, tokenKey(accessToken), user, resource);

  before(() => nock.disableNetConnect());
  beforeEach(() => {
    clock = 1_000;
    checker = new AccessChecker({
      apiURL: API,
      maxAge: 60_000,
      cacheSize: 2,
      http: { timeout: 1000 },
      headers: {},
      perf: { now: () => clock },
    });
  });
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  describe('an answer within maxAge', () => {
    it('is served from the cache', async () => {
      const scope = accessAnswer('prod_abc', 'at_1').once().reply(200, member);
      await ask('at_1');
      clock += 59_999;
      expect(await ask('at_1')).to.deep.equal({ hasAccess: true, accessLevel: 'customer' });
      expect(scope.isDone()).to.equal(true);
    });
  });

  describe('an answer older than maxAge', () => {
    it('is asked again', async () => {
      const scope = accessAnswer('prod_abc', 'at_1').twice().reply(200, member);
      await ask('at_1');
      clock += 60_001;
      await ask('at_1');
      expect(scope.isDone()).to.equal(true);
    });
  });

  describe('the cache', () => {
    it('keeps at most cacheSize answers', async () => {
      for (const t of ['at_1', 'at_2', 'at_3']) accessAnswer('prod_abc', t).reply(200, member);
      for (const t of ['at_1', 'at_2', 'at_3']) await ask(t);
      expect(checker.size).to.equal(2);
    });
  });

  describe('a failure', () => {
    it('is not kept', async () => {
      accessAnswer('prod_abc', 'at_1').reply(500, {});
      const scope = accessAnswer('prod_abc', 'at_1').reply(200, member);
      await rejection(ask('at_1'));
      expect(await ask('at_1')).to.deep.equal({ hasAccess: true, accessLevel: 'customer' });
      expect(scope.isDone()).to.equal(true);
    });
  });

  describe('a user ID', () => {
    it('is encoded in the path', async () => {
      const scope = nock(WHOP_API)
        .get('/api/v1/users/a%2F..%3Fb/access/prod_abc')
        .reply(200, member);
      await ask('at_1', 'a/..?b');
      expect(scope.isDone()).to.equal(true);
    });
  });
});

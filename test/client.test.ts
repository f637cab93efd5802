import { Agent as HttpAgent, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import nock from 'nock';
import refresh from 'passport-oauth2-refresh';
import {
  checkAccess,
  refreshAccessToken,
  revokeToken,
  WhopAppStrategy,
  WhopStrategy,
  type WhopOAuth21Options,
  type WhopTokens,
} from '../src/index.js';
import { clientOf, oauthClientOf, WhopClient } from '../src/whop/client.js';

const API = 'https://api.whop.com';
const OPTIONS: WhopOAuth21Options = {
  flow: 'oauth2.1',
  clientID: 'app_test',
  clientSecret: 'secret_test',
  callbackURL: 'https://example.com/cb',
};
const TOKENS = { access_token: 'at_new', refresh_token: 'rt_new', expires_in: 3600 };
const verify = async () => false;

/** node-oauth's OAuth2 of a strategy: what apps and passport-oauth2-refresh reach into. */
interface OAuth2 {
  _customHeaders: Record<string, string>;
  setAgent(agent: HttpAgent): void;
  getOAuthAccessToken(code: string, params: object, cb: (...args: unknown[]) => void): void;
}
const oauth2Of = (strategy: WhopStrategy) => (strategy as unknown as { _oauth2: OAuth2 })._oauth2;

/** passport-oauth2-refresh's callback as a promise. */
function requestNewAccessToken(name: string, token: string, params: object = {}) {
  return new Promise<unknown[]>((resolve) =>
    refresh.requestNewAccessToken(name, token, params, (...args: unknown[]) => resolve(args)),
  );
}

describe('WhopClient', () => {
  before(() => nock.disableNetConnect());
  after(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  describe('clientOf', () => {
    it("gives a strategy's client", () =>
      expect(clientOf(new WhopStrategy(OPTIONS, verify))).to.be.instanceOf(WhopClient));
    it("gives a subclass's client", () => {
      class Custom extends WhopStrategy {}
      expect(clientOf(new Custom(OPTIONS, verify))).to.be.instanceOf(WhopClient);
    });
    it('gives each strategy its own', () =>
      expect(clientOf(new WhopStrategy(OPTIONS, verify))).not.to.equal(
        clientOf(new WhopStrategy(OPTIONS, verify)),
      ));
    for (const value of [undefined, null, {}, 'whop', () => undefined])
      it(`gives nothing for ${String(value)}`, () => expect(clientOf(value)).to.equal(undefined));
    it("gives a WhopAppStrategy's access checks", () =>
      expect(clientOf(new WhopAppStrategy({ appId: 'app_test' }, verify))).to.have.property(
        'checkAccess',
      ));
    it('gives a WhopAppStrategy no OAuth client', () =>
      expect(oauthClientOf(new WhopAppStrategy({ appId: 'app_test' }, verify))).to.equal(
        undefined,
      ));
  });

  describe('the strategy', () => {
    const strategy = new WhopStrategy(OPTIONS, verify);
    // What refresh, revoke and checkAccess once read from the strategy itself.
    for (const field of [
      'http',
      'clientID',
      'clientSecret',
      'tokenURL',
      'revocationURL',
      'customHeaders',
      'environment',
      'apiURL',
      'access',
    ])
      it(`keeps no ${field} of its own`, () => expect(strategy).not.to.have.property(field));
  });

  describe('when refreshAccessToken and passport-oauth2-refresh refresh one token at once', () => {
    let requests: number;
    let results: [WhopTokens, unknown[]];

    beforeEach(async () => {
      requests = 0;
      const scope = nock(API)
        .post('/oauth/token', {
          grant_type: 'refresh_token',
          refresh_token: 'rt_old',
          client_id: 'app_test',
          client_secret: 'secret_test',
          company_id: 'biz_one1',
        })
        .reply(() => {
          requests += 1;
          return [200, TOKENS];
        })
        .persist();
      const strategy = new WhopStrategy(OPTIONS, verify);
      refresh.use('whop-one-path', strategy);
      results = await Promise.all([
        refreshAccessToken(strategy, 'rt_old', { companyId: 'biz_one1' }),
        // The company inside `scope`, the legacy flow's name for it: the same request.
        requestNewAccessToken('whop-one-path', 'rt_old', { scope: 'biz_one1' }),
      ]);
      scope.persist(false);
    });

    it('makes one request', () => expect(requests).to.equal(1));
    it('gives refreshAccessToken the rotated token', () =>
      expect(results[0].refreshToken).to.equal('rt_new'));
    it("gives passport-oauth2-refresh node-oauth's arguments", () => {
      const [err, accessToken, refreshToken, params] = results[1];
      expect([err, accessToken, refreshToken]).to.deep.equal([null, 'at_new', 'rt_new']);
      expect(params).to.include({ access_token: 'at_new', company_id: 'biz_one1' });
    });
    it('gives passport-oauth2-refresh params of its own, not the shared frozen ones', () =>
      expect(Object.isFrozen(results[1][3])).to.equal(false));
  });

  describe('when passport-oauth2-refresh names two companies', () => {
    let args: unknown[];
    beforeEach(async () => {
      refresh.use('whop-two-companies', new WhopStrategy(OPTIONS, verify));
      args = await requestNewAccessToken('whop-two-companies', 'rt_old', {
        scope: 'biz_a1',
        company_id: 'biz_b2',
      });
    });
    it('calls back a TypeError, sending nothing', () =>
      expect(args[0])
        .to.be.instanceOf(TypeError)
        .with.property(
          'message',
          'WhopStrategy requires a refresh to name one company, not biz_a1 and biz_b2',
        ));
  });

  describe('the custom headers, replaced on _oauth2 after construction', () => {
    let strategy: WhopStrategy;
    beforeEach(() => {
      strategy = new WhopStrategy({ ...OPTIONS, customHeaders: { 'x-app': 'first' } }, verify);
      // As node-oauth reads `_customHeaders` at each request, so does the client.
      oauth2Of(strategy)._customHeaders = { 'x-app': 'second' };
    });

    it('go with a refresh', async () => {
      const scope = nock(API)
        .matchHeader('x-app', 'second')
        .post('/oauth/token')
        .reply(200, TOKENS);
      await refreshAccessToken(strategy, 'rt_old');
      scope.done();
    });
    it('go with a revocation', async () => {
      const scope = nock(API).matchHeader('x-app', 'second').post('/oauth/revoke').reply(200);
      await revokeToken(strategy, 'rt_old');
      scope.done();
    });
    it('go with an access check', async () => {
      const scope = nock(API)
        .matchHeader('x-app', 'second')
        .get('/api/v1/users/user_1/access/prod_1')
        .reply(200, { has_access: true, access_level: 'customer' });
      await checkAccess(strategy, { accessToken: 'at_1', userId: 'user_1', resourceId: 'prod_1' });
      scope.done();
    });
  });

  describe('an agent set with _oauth2.setAgent() after construction', () => {
    let server: Server;
    let sent: number;
    beforeEach(async () => {
      server = createServer((_req, res) => res.end('{"has_access":true,"access_level":"admin"}'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const apiURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
      const strategy = new WhopStrategy({ ...OPTIONS, apiURL }, verify);
      const agent = new HttpAgent();
      sent = 0;
      const { addRequest } = agent as unknown as { addRequest: (...a: unknown[]) => void };
      (agent as unknown as { addRequest: (...a: unknown[]) => void }).addRequest = (...a) => {
        sent += 1;
        addRequest.apply(agent, a);
      };
      oauth2Of(strategy).setAgent(agent);
      // Real sockets: nock would take the request before any agent sees it.
      nock.restore();
      try {
        await checkAccess(strategy, {
          accessToken: 'at_1',
          userId: 'user_1',
          resourceId: 'prod_1',
        });
      } finally {
        nock.activate();
        agent.destroy();
      }
    });
    afterEach(() => {
      server.closeAllConnections();
      server.close();
    });

    it('carries the access check', () => expect(sent).to.equal(1));
  });
});

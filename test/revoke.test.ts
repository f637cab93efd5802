import { expect } from 'chai';
import nock from 'nock';
import {
  InternalOAuthError,
  revokeToken,
  TokenError,
  WhopStrategy,
  type WhopOAuth21Options,
} from '../src/index.js';
import { rejection } from './support/rejection.js';

const API = 'https://api.whop.com';
const PUBLIC: WhopOAuth21Options = {
  flow: 'oauth2.1',
  clientID: 'app_test',
  callbackURL: 'https://example.com/auth/whop/callback',
};
const CONFIDENTIAL: WhopOAuth21Options = { ...PUBLIC, clientSecret: 'secret_test' };
const TOKEN = 'rt_revoke_me';
const verify = async () => false;

describe('revokeToken', () => {
  before(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  describe('for a confidential client', () => {
    let scope: nock.Scope;
    let result: unknown;
    beforeEach(async () => {
      scope = nock(API, { reqheaders: { 'x-app': 'demo' } })
        .post('/oauth/revoke', {
          token: TOKEN,
          client_id: 'app_test',
          client_secret: 'secret_test',
        })
        .reply(200, {});
      const strategy = new WhopStrategy(
        { ...CONFIDENTIAL, customHeaders: { 'x-app': 'demo' } },
        verify,
      );
      result = await revokeToken(strategy, TOKEN);
    });

    it('posts the token, the client ID and the secret, with the custom headers', () =>
      scope.done());
    it('resolves nothing', () => expect(result).to.equal(undefined));
  });

  describe('for a public client', () => {
    it('posts the token and the client ID only', async () => {
      const scope = nock(API)
        .post('/oauth/revoke', { token: TOKEN, client_id: 'app_test' })
        .reply(200);
      await revokeToken(new WhopStrategy(PUBLIC, verify), TOKEN);
      scope.done();
    });
  });

  describe('with a revocationURL option', () => {
    it('posts there', async () => {
      const scope = nock('http://127.0.0.1:4010').post('/oauth/revoke').reply(200, {});
      const strategy = new WhopStrategy(
        { ...PUBLIC, revocationURL: 'http://127.0.0.1:4010/oauth/revoke' },
        verify,
      );
      await revokeToken(strategy, TOKEN);
      scope.done();
    });
  });

  describe('when Whop refuses with an OAuth error', () => {
    let error: Error;
    beforeEach(async () => {
      nock(API)
        .post('/oauth/revoke')
        .reply(401, { error: 'invalid_client', error_description: 'Client authentication failed' });
      error = await rejection(revokeToken(new WhopStrategy(CONFIDENTIAL, verify), TOKEN));
    });

    it('rejects with a TokenError', () => expect(error).to.be.instanceOf(TokenError));
    it("keeps Whop's code, description and the status", () =>
      expect(error).to.include({
        code: 'invalid_client',
        message: 'Client authentication failed',
        status: 401,
      }));
  });

  describe('when Whop fails', () => {
    const cases: [string, (i: nock.Interceptor) => nock.Scope, RegExp][] = [
      ['a 503', (i) => i.reply(503, '<html>down</html>'), /HTTP 503, not JSON/],
      [
        'a network error that quotes the request',
        (i) =>
          i.replyWithError(
            Object.assign(new Error(`socket hang up token=${TOKEN}`), { code: 'ECONNRESET' }),
          ),
        /request failed/,
      ],
    ];
    for (const [what, answer, detail] of cases) {
      describe(`with ${what}`, () => {
        let error: Error;
        beforeEach(async () => {
          answer(nock(API).post('/oauth/revoke'));
          error = await rejection(revokeToken(new WhopStrategy(CONFIDENTIAL, verify), TOKEN));
        });

        it("rejects with an error 'Failed to revoke token'", () => {
          expect(error.message)
            .to.match(/^Failed to revoke token: /)
            .and.match(detail);
        });
        it('keeps the token and the secret out of it', () =>
          expect(`${error.message}${error.stack}${String(error.cause)}`)
            .not.to.include(TOKEN)
            .and.not.to.include('secret_test'));
      });
    }

    it('rejects with an InternalOAuthError for a 5xx', async () => {
      nock(API).post('/oauth/revoke').reply(500, { error: 'server_error' });
      const error = await rejection(revokeToken(new WhopStrategy(CONFIDENTIAL, verify), TOKEN));
      expect(error).to.be.instanceOf(InternalOAuthError).and.include({ status: 500 });
    });

    it('rejects with a TokenError keeping Retry-After for a 429', async () => {
      nock(API)
        .post('/oauth/revoke')
        .reply(429, { message: 'You are being rate limited' }, { 'Retry-After': '60' });
      const error = await rejection(revokeToken(new WhopStrategy(CONFIDENTIAL, verify), TOKEN));
      expect(error).to.be.instanceOf(TokenError).and.include({ status: 429, retryAfter: 60 });
    });
  });

  describe('with a bad argument', () => {
    const legacy = () =>
      new WhopStrategy({ clientID: 'app_test', clientSecret: 's', callbackURL: '/cb' }, verify);
    const cases: [string, () => Promise<void>, RegExp][] = [
      ['no strategy', () => revokeToken({} as WhopStrategy, TOKEN), /WhopStrategy as its strategy/],
      [
        'an empty token',
        () => revokeToken(new WhopStrategy(PUBLIC, verify), ''),
        /requires a token: a non-empty string/,
      ],
      [
        'a token that is not a string',
        () => revokeToken(new WhopStrategy(PUBLIC, verify), 42 as never),
        /requires a token/,
      ],
      ['a legacy-flow strategy', () => revokeToken(legacy(), TOKEN), /flow: 'oauth2.1'/],
    ];
    for (const [what, call, message] of cases) {
      describe(`(${what})`, () => {
        let scope: nock.Scope;
        let error: Error;
        beforeEach(async () => {
          scope = nock(API).post('/oauth/revoke').reply(200, {});
          error = await rejection(call());
        });

        it('rejects with a TypeError naming it', () => {
          expect(error).to.be.instanceOf(TypeError);
          expect(error.message).to.match(message);
        });
        it('makes no request', () => expect(scope.isDone()).to.equal(false));
      });
    }
  });
});

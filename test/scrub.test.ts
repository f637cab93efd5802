import { inspect } from 'node:util';
import { expect } from 'chai';
import nock from 'nock';
import {
  InternalOAuthError,
  refreshAccessToken,
  revokeToken,
  TokenError,
  WhopStrategy,
  type StateStore,
  type WhopStrategyOptions,
} from '../src/index.js';
import { redact, scrubError } from '../src/whop/scrub.js';
import { Browser, startApp, type TestApp } from './support/app.js';
import { rejection } from './support/rejection.js';
import { BASE, me, token, WHOP_API, WHOP_DATA } from './support/whop.js';

const CODE = 'code_quoted_by_whop_1';
const SECRET = BASE.clientSecret;

/** Everything a log line could show of an error: its text, stack, and fields (causes too). */
function logged(error: unknown): string {
  return [String(error), (error as Error).stack, inspect(error, { depth: 10 })].join('\n');
}

describe('scrub', () => {
  describe('redact', () => {
    it('takes out a secret in plain, URL-encoded and JSON-escaped forms', () =>
      expect(redact('a=s3cr+t/" b=s3cr%2Bt%2F%22 c="s3cr+t/\\""', ['s3cr+t/"'])).to.equal(
        'a=[redacted] b=[redacted] c="[redacted]"',
      ));
    it('takes out the longer of two overlapping secrets whole', () =>
      expect(redact('tok_abcd_long', ['abcd', 'tok_abcd_long'])).to.equal('[redacted]'));
    it('changes nothing more when run twice', () =>
      expect(redact(redact('x secret_value y', ['secret_value']), ['dact'])).to.equal(
        'x [redacted] y',
      ));
    it('leaves values under 4 characters alone', () =>
      expect(redact('access token', ['c', 'ss'])).to.equal('access token'));
  });

  describe('scrubError', () => {
    let error: Error & Record<string, unknown>;
    beforeEach(() => {
      const inner = Object.assign(new Error(`inner ${CODE}`), { body: { said: CODE } });
      const outer = new InternalOAuthError(`outer ${CODE}`, inner) as unknown as Error &
        Record<string, unknown>;
      outer.cause = inner;
      outer.list = [`at ${CODE}`];
      error = scrubError(outer, [CODE]);
    });

    it('keeps the class', () => expect(error).to.be.instanceOf(InternalOAuthError));
    it('scrubs the message', () => expect(error.message).to.equal('outer [redacted]'));
    it('scrubs the stack', () => expect(error.stack).not.to.include(CODE));
    it('scrubs the cause and its fields', () => expect(logged(error.cause)).not.to.include(CODE));
    it('scrubs arrays among the fields', () => expect(error.list).to.deep.equal(['at [redacted]']));
    it('leaves nothing to log', () => expect(logged(error)).not.to.include(CODE));
    it('redacts a thrown string', () =>
      expect(scrubError(`no ${CODE}`, [CODE])).to.equal('no [redacted]'));
  });

  describe('errors of a login', () => {
    let app: TestApp;
    before(() => {
      nock.disableNetConnect();
      nock.enableNetConnect('127.0.0.1');
    });
    afterEach(async () => {
      nock.cleanAll();
      await app.close();
    });
    after(() => nock.enableNetConnect());

    async function callback(options: Partial<WhopStrategyOptions> = {}): Promise<Error> {
      app = await startApp(new WhopStrategy({ ...BASE, ...options }, async () => ({ id: 'u' })));
      const browser = new Browser(app.url);
      const { state } = await browser.startLogin();
      await browser.check({ code: CODE, state: state! });
      expect(app.errors).to.have.length(1);
      return app.errors[0]!;
    }

    describe('when Whop quotes the code and the client secret', () => {
      let error: Error;
      beforeEach(async () => {
        nock(WHOP_DATA)
          .post('/api/v3/oauth/token')
          .reply(400, {
            error: 'invalid_grant',
            error_description: `Authorization code ${CODE} was already used; client_secret ${SECRET}`,
          });
        error = await callback();
      });

      it('is a TokenError', () => expect(error).to.be.instanceOf(TokenError));
      it('keeps Whop code and the rest of its description', () =>
        expect(error).to.deep.include({
          code: 'invalid_grant',
          message: 'Authorization code [redacted] was already used; client_secret [redacted]',
        }));
      it('shows neither anywhere', () => {
        expect(logged(error)).not.to.include(CODE);
        expect(logged(error)).not.to.include(SECRET);
      });
    });

    describe("when Whop's profile 401 quotes the access token", () => {
      let error: Error;
      beforeEach(async () => {
        nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        nock(WHOP_API)
          .get('/api/v5/me')
          .reply(401, { error: { type: 'unauthorized', message: `Bearer ${token.access_token}` } });
        error = await callback();
      });

      it('says the profile step failed', () =>
        expect(error.message).to.equal(
          'Failed to fetch user profile: Whop answered HTTP 401: Bearer [redacted]',
        ));
      it('shows the token nowhere', () =>
        expect(logged(error)).not.to.include(String(token.access_token)));
    });

    describe('when the code store fails quoting the code', () => {
      let error: Error;
      beforeEach(async () => {
        const codeStore = {
          claim: (code: string) =>
            Promise.reject(Object.assign(new Error(`cannot keep ${code}`), { key: code })),
        };
        error = await callback({ codeStore });
      });

      it('is the code step', () =>
        expect(error.message).to.equal(
          'Failed to record the authorization code, so it was not exchanged: the code store failed',
        ));
      it('shows the code nowhere, cause included', () =>
        expect(logged(error)).not.to.include(CODE));
    });

    describe('when the state store fails quoting the state', () => {
      let error: Error;
      let state: string | undefined;
      beforeEach(async () => {
        const store = {
          store: (_req: unknown, _meta: unknown, done: (err: null, handle: string) => void) =>
            done(null, 'state_handle_quoted_1'),
          verify: (_req: unknown, provided: string, done: (err: Error) => void) => {
            state = provided;
            done(new Error(`no state ${provided} for ${CODE}`));
          },
        } as unknown as StateStore;
        error = await callback({ store });
      });

      it('is the state step', () =>
        expect(error.message).to.match(/^Failed to check the login state/));
      it('shows neither the state nor the code', () => {
        expect(state).to.equal('state_handle_quoted_1');
        expect(logged(error)).not.to.include(state);
        expect(logged(error)).not.to.include(CODE);
      });
    });
  });

  describe('errors of refresh and revoke', () => {
    const REFRESH = 'rt_quoted_by_whop_1';
    before(() => nock.disableNetConnect());
    afterEach(() => nock.cleanAll());
    after(() => nock.enableNetConnect());

    it('takes the refresh token out of a refusal that quotes it', async () => {
      nock(WHOP_DATA)
        .post('/api/v3/oauth/token')
        .reply(400, {
          error: 'invalid_grant',
          error_description: `refresh token ${REFRESH} revoked`,
        });
      const strategy = new WhopStrategy(BASE, async () => ({ id: me.id }));
      const error = await rejection(refreshAccessToken(strategy, REFRESH));
      expect(error.message).to.equal('refresh token [redacted] revoked');
      expect(logged(error)).not.to.include(REFRESH);
    });

    it('takes the token out of a revocation refusal that quotes it', async () => {
      nock(WHOP_API)
        .post('/oauth/revoke')
        .reply(400, { error: 'invalid_request', error_description: `token ${REFRESH}, ${SECRET}` });
      const strategy = new WhopStrategy(
        { ...BASE, flow: 'oauth2.1', clientSecret: SECRET },
        async () => ({ id: me.id }),
      );
      const error = await rejection(revokeToken(strategy, REFRESH));
      expect(error.message).to.equal('token [redacted], [redacted]');
      expect(logged(error)).not.to.include(SECRET);
    });
  });
});

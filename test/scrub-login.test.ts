import { inspect } from 'node:util';
import { expect } from 'chai';
import nock from 'nock';
import {
  checkAccess,
  InternalOAuthError,
  refreshAccessToken,
  revokeToken,
  TokenError,
  WhopStrategy,
  type StateStore,
  type VerifyFunction,
  type WhopStrategyOptions,
} from '../src/index.js';
import { Browser, startApp, type TestApp } from './support/app.js';
import { rejection } from './support/rejection.js';
import { BASE, me, token, WHOP_API, WHOP_DATA } from './support/whop.js';

// Every error that leaves a login, a refresh, a revoke or an access check, whoever raised it,
// shows none of the operation's secrets (see test/scrub.test.ts for the shapes of errors).

const CODE = 'code_quoted_by_whop_1';
const SECRET = BASE.clientSecret;
/** An access token as long as Whop's JWTs (about 600 characters). */
const LONG_TOKEN = `eyJhbGciOiJFUzI1NiJ9.${'eyJzdWIiOiJ1c2VyXzEifQ'.repeat(26)}.sig`;
/** Whop's text before the token it quotes: long enough that a 300-character cut falls inside it. */
const PADDING = 'p'.repeat(250);

/** Everything a log line could show of an error: its text, stack, and fields (causes too). */
function logged(error: unknown): string {
  return [
    String(error),
    (error as Error).stack,
    inspect(error, { depth: Infinity, showHidden: true }),
  ].join('\n');
}

describe('scrub, at the edges of the package', () => {
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

    let state: string;

    async function callback(
      options: Partial<WhopStrategyOptions> = {},
      verify?: VerifyFunction<{ request: true }>,
    ): Promise<Error> {
      const strategy = verify
        ? new WhopStrategy({ ...BASE, ...options, passReqToCallback: true }, verify)
        : new WhopStrategy({ ...BASE, ...options }, async () => ({ id: 'u' }));
      app = await startApp(strategy);
      const browser = new Browser(app.url);
      state = (await browser.startLogin()).state!;
      await browser.check({ code: CODE, state });
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

    describe("when Whop's profile 401 quotes a long token after 250 characters", () => {
      let error: Error;
      beforeEach(async () => {
        nock(WHOP_DATA)
          .post('/api/v3/oauth/token')
          .reply(200, { ...token, access_token: LONG_TOKEN });
        nock(WHOP_API)
          .get('/api/v5/me')
          .reply(401, { message: `${PADDING} Bearer ${LONG_TOKEN} expired` });
        error = await callback();
      });

      it('quotes Whop up to the token, redacted before the cut', () =>
        expect(error.message).to.equal(
          `Failed to fetch user profile: Whop answered HTTP 401: ${PADDING} Bearer [redacted] expired`,
        ));
      it('shows no part of the token', () =>
        expect(logged(error)).not.to.include(LONG_TOKEN.slice(0, 20)));
    });

    describe('when the verify function throws, quoting every secret of the login', () => {
      let error: Error;
      beforeEach(async () => {
        nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        nock(WHOP_API).get('/api/v5/me').reply(200, me);
        error = await callback({}, (req, accessToken) => {
          const { code, state: handle } = req.query as Record<string, string>;
          throw new Error(`no user for ${code} ${handle} ${accessToken} ${SECRET}`);
        });
      });

      it('ends the login with the error', () => expect(error.message).to.match(/^no user for/));
      it('shows none of them', () =>
        expect(error.message).to.equal('no user for [redacted] [redacted] [redacted] [redacted]'));
    });

    describe('when the verify function passes done an error quoting the code and state', () => {
      let error: Error;
      beforeEach(async () => {
        nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        nock(WHOP_API).get('/api/v5/me').reply(200, me);
        error = await callback({}, (req, _accessToken, _refreshToken, _profile, done) => {
          const query = new URLSearchParams(req.query as Record<string, string>).toString();
          const basic = Buffer.from(`${BASE.clientID}:${SECRET}`).toString('base64');
          done(
            new AggregateError([new Error(`request ${query}`)], 'lookup failed', {
              cause: Object.freeze(new Error(`Authorization: Basic ${basic}`)),
            }),
          );
        });
      });

      it('shows neither, in any form, nor the client secret', () => {
        const text = logged(error);
        expect(text).not.to.include(CODE);
        expect(text).not.to.include(state);
        expect(text).not.to.include(Buffer.from(`${BASE.clientID}:${SECRET}`).toString('base64'));
      });
      it('keeps what the app said', () => expect(error.message).to.equal('lookup failed'));
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

  describe('errors of refresh, revoke and checkAccess', () => {
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

    it('takes out a refresh token ending in CR, which printable() writes as \\u000d', async () => {
      const refresh = `${REFRESH}\r`;
      nock(WHOP_DATA)
        .post('/api/v3/oauth/token')
        .reply(400, { error: 'invalid_grant', error_description: `refresh_token ${refresh} bad` });
      const strategy = new WhopStrategy(BASE, async () => ({ id: me.id }));
      const error = await rejection(refreshAccessToken(strategy, refresh));
      expect(error.message).to.equal('refresh_token [redacted] bad');
    });

    it('takes a long token out of an access check that quotes it after 250 characters', async () => {
      nock(WHOP_API)
        .get('/api/v1/users/user_1/access/prod_abc')
        .reply(401, { message: `${PADDING} ${LONG_TOKEN}` });
      const strategy = new WhopStrategy(BASE, async () => ({ id: me.id }));
      const options = { accessToken: LONG_TOKEN, userId: 'user_1', resourceId: 'prod_abc' };
      const error = await rejection(checkAccess(strategy, options));
      expect(error).to.be.instanceOf(InternalOAuthError);
      expect(error.message).to.equal(
        `Failed to check the user's access: Whop answered HTTP 401: ${PADDING} [redacted]`,
      );
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

import { expect } from 'chai';
import type { Request } from 'express';
import nock from 'nock';
import {
  AuthorizationError,
  InternalOAuthError,
  STATE_STORE_FAILED,
  TokenError,
  WhopStrategy,
  type CodeStore,
  type VerifyCallback,
  type WhopProfile,
  type WhopStrategyOptions,
  type WhopTokenParams,
  withParams,
} from '../src/index.js';
import { Browser, startApp, type Outcome, type TestApp } from './support/app.js';
import { fixture } from './support/fixtures.js';
import {
  BASE,
  CALLBACK,
  me,
  token,
  tokenForm,
  WHOP_API,
  WHOP_DATA,
  whopAnswers,
} from './support/whop.js';

interface VerifyCall {
  accessToken: string;
  refreshToken: string | undefined;
  params?: WhopTokenParams;
  profile: WhopProfile;
}

describe('WhopStrategy', () => {
  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  describe('options', () => {
    const verify = async () => ({ id: 'u' });
    const construct = (options: Partial<WhopStrategyOptions> & Record<string, unknown>) => () =>
      new WhopStrategy({ ...BASE, ...options } as WhopStrategyOptions, verify);

    it('is named whop', () => expect(new WhopStrategy(BASE, verify).name).to.equal('whop'));
    it('requires clientID', () =>
      expect(construct({ clientID: '' })).to.throw(
        TypeError,
        'WhopStrategy requires a clientID option',
      ));
    it('requires clientSecret', () =>
      expect(construct({ clientSecret: undefined })).to.throw(
        TypeError,
        'WhopStrategy requires a clientSecret option',
      ));
    it('requires a verify function', () =>
      expect(() => new WhopStrategy(BASE, undefined as never)).to.throw(
        TypeError,
        'WhopStrategy requires a verify function',
      ));
    it('requires callbackURL', () =>
      expect(construct({ callbackURL: undefined })).to.throw(TypeError, /callbackURL/));
    it('rejects a plain http callbackURL off loopback', () =>
      expect(construct({ callbackURL: 'http://example.com/cb' })).to.throw(
        TypeError,
        /callbackURL option to be an https: URL/,
      ));
    it('rejects a protocol-relative callbackURL', () =>
      expect(construct({ callbackURL: '//evil.example/cb' })).to.throw(TypeError, /callbackURL/));
    it('rejects a callbackURL that is not a URL', () =>
      expect(construct({ callbackURL: 'auth/whop/callback' })).to.throw(TypeError, /callbackURL/));
    for (const ok of [
      'https://example.com/cb',
      'http://localhost:3000/cb',
      'http://127.0.0.1/cb',
      'http://[::1]:8080/cb',
      '/auth/whop/callback',
    ]) {
      it(`accepts the callbackURL ${ok}`, () =>
        expect(construct({ callbackURL: ok })).not.to.throw());
    }
    it('rejects a scope with two companies', () =>
      expect(construct({ scope: 'biz_a1 biz_b2' })).to.throw(
        TypeError,
        /scope option to be Whop permission scopes such as read_user .* and at most one company ID/,
      ));
    it('rejects a scope entry that is not a scope token', () =>
      expect(construct({ scope: ['read"user'] })).to.throw(TypeError, /scope option/));
    for (const typo of ['biz_', 'biz_x&state=y', 'biz_a-b', 'read_user biz_a.b']) {
      it(`rejects ${JSON.stringify(typo)}: a biz_ entry that is no company ID`, () =>
        expect(construct({ scope: typo })).to.throw(
          TypeError,
          'WhopStrategy requires the scope option to be Whop permission scopes such as read_user (a space-separated string or an array of scope tokens) and at most one company ID (biz_...): an entry starting with biz_ must be a company ID (biz_ followed by letters and digits)',
        ));
    }
    it('accepts a company scope', () => expect(construct({ scope: 'biz_abc123' })).not.to.throw());
    it('accepts a permission scope (read_user)', () =>
      expect(construct({ scope: 'read_user' })).not.to.throw());
    it('accepts a permission scope beside a company, as a list', () =>
      expect(construct({ scope: ['read_user', 'biz_abc123'] })).not.to.throw());
    it('rejects a non-positive timeout', () =>
      expect(construct({ timeout: 0 })).to.throw(TypeError, /timeout/));
    it('rejects a tokenURL that is not a URL', () =>
      expect(construct({ tokenURL: 'data.whop.com/token' })).to.throw(TypeError, /tokenURL/));
    it('rejects an authorizationURL that is not http(s)', () =>
      expect(construct({ authorizationURL: 'ftp://whop.com/oauth' })).to.throw(
        TypeError,
        /authorizationURL/,
      ));
    it('rejects a userProfileURL that is not a URL', () =>
      expect(construct({ userProfileURL: 'nope' })).to.throw(TypeError, /userProfileURL/));
    it('rejects a store without verify()', () =>
      expect(construct({ store: { store() {} } as never })).to.throw(TypeError, /store option/));
    it('rejects a codeStore without claim()', () =>
      expect(construct({ codeStore: {} as never })).to.throw(TypeError, /codeStore option/));
    it('rejects a codeStore whose release is not a function', () =>
      expect(
        construct({ codeStore: { claim: async () => true, release: 'no' } as never }),
      ).to.throw(
        TypeError,
        'WhopStrategy requires the codeStore option to be an object with a claim(code, ttlMs) method, and a release(code) method if any',
      ));
    it('accepts a codeStore written before release existed (claim only)', () =>
      expect(construct({ codeStore: { claim: async () => true } })).not.to.throw());
  });

  describe('the redirect to Whop', () => {
    let app: TestApp;
    let browser: Browser;
    afterEach(() => app.close());

    describe('by default', () => {
      let location: URL;
      beforeEach(async () => {
        app = await startApp(new WhopStrategy(BASE, async () => ({ id: 'u' })));
        browser = new Browser(app.url);
        ({ location } = await browser.startLogin());
      });

      it("goes to Whop's authorize page over https", () =>
        expect(`${location.origin}${location.pathname}`).to.equal('https://whop.com/oauth'));
      it('asks for a code', () =>
        expect(location.searchParams.get('response_type')).to.equal('code'));
      it('names the client', () =>
        expect(location.searchParams.get('client_id')).to.equal('app_test'));
      it('sends the callback URL as redirect_uri', () =>
        expect(location.searchParams.get('redirect_uri')).to.equal(CALLBACK));
      it('sends a random state', () =>
        expect(location.searchParams.get('state')).to.match(/^[A-Za-z0-9]{24}$/));
      it('sends no scope', () => expect(location.searchParams.has('scope')).to.equal(false));
    });

    describe('with a company scope option', () => {
      it('sends it as scope', async () => {
        app = await startApp(
          new WhopStrategy({ ...BASE, scope: 'biz_option1' }, async () => ({ id: 'u' })),
        );
        const { location } = await new Browser(app.url).startLogin();
        expect(location.searchParams.get('scope')).to.equal('biz_option1');
      });
    });

    describe('with permission scopes beside the company', () => {
      it('sends the permission scopes, then the company', async () => {
        app = await startApp(
          new WhopStrategy({ ...BASE, scope: 'biz_option1 read_user' }, async () => ({ id: 'u' })),
        );
        const { location } = await new Browser(app.url).startLogin();
        expect(location.searchParams.get('scope')).to.equal('read_user biz_option1');
      });
      it('keeps the permission scopes when authenticate() sets the company', async () => {
        app = await startApp(
          new WhopStrategy({ ...BASE, scope: 'read_user biz_option1' }, async () => ({ id: 'u' })),
        );
        const { location } = await new Browser(app.url).startLogin(
          '/auth/whop/company/biz_request2',
        );
        expect(location.searchParams.get('scope')).to.equal('read_user biz_request2');
      });
    });

    describe('with a company passed to authenticate()', () => {
      it('overrides the option', async () => {
        app = await startApp(
          new WhopStrategy({ ...BASE, scope: 'biz_option1' }, async () => ({ id: 'u' })),
        );
        const { location } = await new Browser(app.url).startLogin(
          '/auth/whop/company/biz_request2',
        );
        expect(location.searchParams.get('scope')).to.equal('biz_request2');
      });

      for (const typo of ['biz_', 'biz_x&state=y', 'biz_a-b']) {
        it(`ends in a TypeError naming scope for ${JSON.stringify(typo)}`, async () => {
          app = await startApp(new WhopStrategy(BASE, async () => ({ id: 'u' })));
          const response = await new Browser(app.url).get(
            `/auth/whop/company/${encodeURIComponent(typo)}`,
          );
          expect(response.status).to.equal(500);
          expect(app.errors[0])
            .to.be.instanceOf(TypeError)
            .with.property(
              'message',
              'WhopStrategy: the scope passed to authenticate() must be scope tokens (a space-separated string or an array) and at most one company ID (biz_ followed by letters and digits): an entry starting with biz_ must be a company ID',
            );
        });
      }

      it('ends in an error, not a redirect, when it is not a scope token', async () => {
        app = await startApp(new WhopStrategy(BASE, async () => ({ id: 'u' })));
        const response = await new Browser(app.url).get('/auth/whop/company/not%22a-scope');
        expect(response.status).to.equal(500);
        expect(app.errors[0])
          .to.be.instanceOf(TypeError)
          .with.property('message')
          .that.matches(/scope passed to authenticate/);
      });
    });

    describe('with a relative callbackURL', () => {
      it('resolves it against the request', async () => {
        app = await startApp(
          new WhopStrategy({ ...BASE, callbackURL: '/auth/whop/callback' }, async () => ({
            id: 'u',
          })),
        );
        const { location } = await new Browser(app.url).startLogin();
        expect(location.searchParams.get('redirect_uri')).to.equal(`${app.url}/auth/whop/callback`);
      });
    });

    describe('with a callbackURL passed to authenticate()', () => {
      it('sends it, resolved against the request, instead of the option', async () => {
        app = await startApp(new WhopStrategy(BASE, async () => ({ id: 'u' })), {
          authorize: { callbackURL: '/auth/whop/other-callback' },
        });
        const { location } = await new Browser(app.url).startLogin();
        expect(location.searchParams.get('redirect_uri')).to.equal(
          `${app.url}/auth/whop/other-callback`,
        );
      });
    });

    describe('behind a proxy', () => {
      const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'example.com' };
      const redirectURI = async (strategy: WhopStrategy) => {
        app = await startApp(strategy);
        const response = await new Browser(app.url).get('/auth/whop', forwarded);
        return new URL(response.headers.get('location')!).searchParams.get('redirect_uri');
      };
      const options = { ...BASE, callbackURL: '/auth/whop/callback' };

      it('resolves a relative callbackURL with the forwarded host, with proxy: true', async () =>
        expect(
          await redirectURI(
            new WhopStrategy({ ...options, proxy: true }, async () => ({ id: 'u' })),
          ),
        ).to.equal('https://example.com/auth/whop/callback'));

      it('ignores the forwarded headers without it', async () =>
        expect(await redirectURI(new WhopStrategy(options, async () => ({ id: 'u' })))).to.equal(
          `${app.url}/auth/whop/callback`,
        ));
    });

    describe("with a subclass's authorizationParams", () => {
      it("sends its parameters beside the login's own", async () => {
        class PromptStrategy extends WhopStrategy {
          override authorizationParams() {
            return { prompt: 'consent' };
          }
        }
        app = await startApp(new PromptStrategy(BASE, async () => ({ id: 'u' })));
        const { location, state } = await new Browser(app.url).startLogin();
        expect(location.searchParams.get('prompt')).to.equal('consent');
        expect(location.searchParams.get('response_type')).to.equal('code');
        expect(state).to.match(/^[A-Za-z0-9]{24}$/);
      });
    });

    describe('without session middleware', () => {
      it('ends in an error that says how to fix it', async () => {
        app = await startApp(new WhopStrategy(BASE, async () => ({ id: 'u' })), { session: false });
        const response = await new Browser(app.url).get('/auth/whop');
        expect(response.status).to.equal(500);
        expect(app.errors[0]!.message).to.match(
          /add session middleware.*pass a `store`.*`state: false`/,
        );
      });
    });

    describe('with state: false and no session', () => {
      it('redirects without a state', async () => {
        app = await startApp(
          new WhopStrategy({ ...BASE, state: false }, async () => ({ id: 'u' })),
          { session: false },
        );
        const { location, state } = await new Browser(app.url).startLogin();
        expect(location.hostname).to.equal('whop.com');
        expect(state).to.equal(null);
      });
    });

    describe('with a state store that throws', () => {
      const throwing = {
        store() {
          throw new Error('store threw');
        },
        verify() {
          throw new Error('verify threw');
        },
      };

      for (const [leg, path, said] of [
        ['redirect', '/auth/whop', 'store threw'],
        ['callback', '/auth/whop/callback?code=c1&state=s1', 'verify threw'],
      ] as const) {
        it(`ends the ${leg} in the state step's error, the store's as its cause`, async () => {
          app = await startApp(
            new WhopStrategy({ ...BASE, store: throwing }, async () => ({ id: 'u' })),
          );
          const response = await new Browser(app.url).get(path);
          expect(response.status).to.equal(500);
          expect(app.errors[0]).to.include({ code: STATE_STORE_FAILED, step: 'state' });
          expect((app.errors[0] as { cause?: Error }).cause?.message).to.equal(said);
        });
      }
    });
  });

  describe('the callback', () => {
    let app: TestApp;
    let browser: Browser;
    let calls: VerifyCall[];
    let state: string;

    async function start(
      options: Partial<WhopStrategyOptions> = {},
      path = '/auth/whop',
      Class: typeof WhopStrategy = WhopStrategy,
    ) {
      calls = [];
      const strategy = new Class(
        { ...BASE, ...options },
        withParams(async (accessToken, refreshToken, params, profile) => {
          calls.push({ accessToken, refreshToken, params, profile });
          return { id: profile.id };
        }),
      );
      app = await startApp(strategy);
      browser = new Browser(app.url);
      state = (await browser.startLogin(path)).state!;
    }
    afterEach(() => app.close());

    describe('when Whop sends a code', () => {
      let answers: ReturnType<typeof whopAnswers>;
      let response: Response;
      let before: number;
      beforeEach(async () => {
        await start();
        answers = whopAnswers();
        before = Math.floor(Date.now() / 1000);
        response = await browser.get(`/auth/whop/callback?code=code_1&state=${state}`);
      });

      it('logs the user in', async () =>
        expect(await response.json()).to.deep.equal({ user: { id: me.id } }));
      it('exchanges the code with exactly the documented form', () =>
        expect(answers.token.isDone()).to.equal(true));
      it('loads the profile with the access token as a Bearer header', () =>
        expect(answers.profile.isDone()).to.equal(true));
      it('passes the access and refresh tokens', () => {
        expect(calls[0]!.accessToken).to.equal(token.access_token);
        expect(calls[0]!.refreshToken).to.equal(token.refresh_token);
      });
      it('passes the token params with expires_at in whole Unix seconds', () => {
        const params = calls[0]!.params!;
        expect(params).to.include({
          access_token: token.access_token,
          token_type: 'bearer',
          expires_in: 3600,
          scope: 'biz_company123',
        });
        expect(params.expires_at).to.be.within(before + 3600, before + 3601);
        expect(params).not.to.have.property('refresh_token');
      });
      it('passes the mapped profile', () => {
        expect(calls[0]!.profile).to.deep.include({
          provider: 'whop',
          id: me.id,
          username: me.username,
          displayName: me.name,
          emails: [{ value: me.email }],
          photos: [{ value: me.profile_pic_url }],
        });
      });
    });

    describe('when the same code comes back a second time', () => {
      let outcome: Outcome;
      let second: nock.Scope;
      beforeEach(async () => {
        await start();
        whopAnswers();
        await browser.get(`/auth/whop/callback?code=code_1&state=${state}`);
        const again = (await browser.startLogin()).state!;
        second = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        outcome = await browser.check({ code: 'code_1', state: again });
      });

      it('fails', () => expect(outcome.user).to.equal(false));
      it('says the code was already used', () =>
        expect(outcome.info?.message).to.match(/already used/));
      it('does not call Whop', () => expect(second.isDone()).to.equal(false));
    });

    describe('when the state is missing', () => {
      let outcome: Outcome;
      let exchange: nock.Scope;
      beforeEach(async () => {
        await start();
        exchange = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        outcome = await browser.check({ code: 'code_1' });
      });

      it('fails with 403', () => expect(outcome).to.include({ user: false, status: 403 }));
      it('does not exchange the code', () => expect(exchange.isDone()).to.equal(false));
    });

    describe('when the state is wrong', () => {
      let outcome: Outcome;
      let exchange: nock.Scope;
      beforeEach(async () => {
        await start();
        exchange = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        outcome = await browser.check({ code: 'code_1', state: 'forged' });
      });

      it('fails with 403', () => expect(outcome).to.include({ user: false, status: 403 }));
      it('says why', () =>
        expect(outcome.info?.message).to.equal('Invalid authorization request state.'));
      it('does not exchange the code', () => expect(exchange.isDone()).to.equal(false));
    });

    describe('when the session holds no login (another host, or a new session secret)', () => {
      let outcome: Outcome;
      let exchange: nock.Scope;
      beforeEach(async () => {
        await start();
        exchange = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        // The login's own state, back in a browser without its session cookie.
        outcome = await new Browser(app.url).check({ code: 'code_1', state });
      });

      it('fails with 403', () => expect(outcome).to.include({ user: false, status: 403 }));
      it("keeps passport-oauth2's words first", () =>
        expect(outcome.info?.message).to.match(/^Unable to verify authorization request state: /));
      it('names the usual causes', () =>
        expect(outcome.info?.message).to.include('127.0.0.1 and localhost').and.include('secret'));
      it('does not exchange the code', () => expect(exchange.isDone()).to.equal(false));
    });

    describe('when a wrong state comes with a code', () => {
      it('does not spend the code: the real callback still works', async () => {
        await start();
        await browser.check({ code: 'code_1', state: 'forged' });
        state = (await browser.startLogin()).state!;
        const answers = whopAnswers();
        const outcome = await browser.check({ code: 'code_1', state });
        expect(outcome.user).to.deep.equal({ id: me.id });
        expect(answers.token.isDone()).to.equal(true);
      });
    });

    describe('when Whop echoes a different company', () => {
      let outcome: Outcome;
      let exchange: nock.Scope;
      beforeEach(async () => {
        await start({}, '/auth/whop/company/biz_asked');
        exchange = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        outcome = await browser.check({ code: 'code_1', state, scope: 'biz_other' });
      });

      it('fails with 403', () => expect(outcome).to.include({ user: false, status: 403 }));
      it('names both companies', () =>
        expect(outcome.info?.message).to.match(/biz_other.*biz_asked/));
      it('does not exchange the code', () => expect(exchange.isDone()).to.equal(false));
    });

    describe('when Whop echoes a company that was never asked for', () => {
      it('fails without exchanging the code', async () => {
        await start();
        const exchange = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        const outcome = await browser.check({ code: 'code_1', state, scope: 'biz_unasked' });
        expect(outcome.user).to.equal(false);
        expect(exchange.isDone()).to.equal(false);
      });
    });

    describe('when Whop echoes the company that was asked for', () => {
      it('logs in', async () => {
        await start({}, '/auth/whop/company/biz_asked');
        whopAnswers();
        const outcome = await browser.check({ code: 'code_1', state, scope: 'biz_asked' });
        expect(outcome.user).to.deep.equal({ id: me.id });
      });
    });

    describe('when Whop sends no scope back for a company login', () => {
      it('logs in (nothing confirms Whop always echoes it)', async () => {
        await start({ scope: 'biz_asked' });
        whopAnswers();
        const outcome = await browser.check({ code: 'code_1', state });
        expect(outcome.user).to.deep.equal({ id: me.id });
      });
    });

    describe('with state: false, when Whop echoes another company than the strategy asks for', () => {
      it('fails without exchanging the code (the check falls back to the strategy scope)', async () => {
        app = await startApp(
          new WhopStrategy({ ...BASE, state: false, scope: 'biz_asked' }, async () => ({
            id: 'u',
          })),
        );
        browser = new Browser(app.url);
        const exchange = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        const outcome = await browser.check({ code: 'code_1', scope: 'biz_other' });
        expect(outcome.info?.message).to.match(/biz_other.*biz_asked/);
        expect(exchange.isDone()).to.equal(false);
      });
    });

    describe('when the user denies access', () => {
      let response: Response;
      let exchange: nock.Scope;
      beforeEach(async () => {
        await start();
        exchange = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        const query = new URLSearchParams({
          error: 'access_denied',
          error_description: 'The user denied access',
          state,
        });
        response = await browser.get(`/auth/whop/callback?${query}`);
        response = await browser.get(response.headers.get('location')!);
      });

      it("fails with Whop's description", async () =>
        expect(await response.json()).to.deep.equal({ messages: ['The user denied access'] }));
      it('does not call Whop', () => expect(exchange.isDone()).to.equal(false));
    });

    describe('when Whop reports another error', () => {
      it('ends in an AuthorizationError', async () => {
        await start();
        const outcome = await browser.check({
          error: 'server_error',
          error_description: 'Whop is down',
          state,
        });
        expect(outcome.error).to.include({
          name: 'AuthorizationError',
          message: 'Whop is down',
          code: 'server_error',
          status: 502,
        });
        expect(app.errors[0]).to.be.instanceOf(AuthorizationError);
      });
    });

    describe('when the verify function resolves false', () => {
      it('fails', async () => {
        app = await startApp(new WhopStrategy(BASE, async () => false));
        browser = new Browser(app.url);
        state = (await browser.startLogin()).state!;
        whopAnswers();
        expect((await browser.check({ code: 'code_1', state })).user).to.equal(false);
      });
    });

    describe('when the verify function rejects', () => {
      it('ends in that error', async () => {
        app = await startApp(
          new WhopStrategy(BASE, async () => Promise.reject(new Error('database down'))),
        );
        browser = new Browser(app.url);
        state = (await browser.startLogin()).state!;
        whopAnswers();
        expect((await browser.check({ code: 'code_1', state })).error).to.include({
          message: 'database down',
        });
      });
    });

    describe('when the token endpoint refuses the code', () => {
      const errors = fixture<Record<string, object>>('token-errors');
      const cases: [string, number, object, string, string][] = [
        [
          'an RFC 6749 body',
          400,
          errors.rfc6749!,
          'invalid_grant',
          'Authorization code is invalid',
        ],
        ['a v2 body', 400, errors.v2!, 'invalid_request', 'Invalid authorization code'],
        ['a v1 body', 400, errors.v1!, 'invalid_request_error', 'Missing code'],
        ['a v5 body', 403, errors.v5!, 'invalid_request', 'Not allowed'],
        [
          'a rate limit',
          429,
          errors.rateLimited!,
          'rate_limit_exceeded',
          'You are being rate limited',
        ],
      ];
      for (const [shape, status, body, code, message] of cases) {
        it(`ends in a TokenError with Whop's message and the real status for ${shape}`, async () => {
          await start();
          nock(WHOP_DATA).post('/api/v3/oauth/token').reply(status, body);
          const outcome = await browser.check({ code: 'code_1', state });
          expect(outcome.error).to.deep.include({ name: 'TokenError', code, message, status });
          expect(app.errors[0]).to.be.instanceOf(TokenError);
        });
      }
    });

    describe('when the token endpoint fails', () => {
      const cases: [string, () => nock.Interceptor, (i: nock.Interceptor) => nock.Scope, RegExp][] =
        [
          [
            'a 5xx',
            () => nock(WHOP_DATA).post('/api/v3/oauth/token'),
            (i) => i.reply(502, { error: 'server_error' }),
            /HTTP 502/,
          ],
          [
            'an HTML page',
            () => nock(WHOP_DATA).post('/api/v3/oauth/token'),
            (i) => i.reply(400, '<html>oops</html>'),
            /HTTP 400, not JSON/,
          ],
          [
            'a network error',
            () => nock(WHOP_DATA).post('/api/v3/oauth/token'),
            (i) =>
              i.replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
            /request failed/,
          ],
          [
            'a body over 1 MiB',
            () => nock(WHOP_DATA).post('/api/v3/oauth/token'),
            (i) => i.reply(200, 'x'.repeat(1024 * 1024 + 1)),
            /larger than 1048576 bytes/,
          ],
          [
            'no access_token',
            () => nock(WHOP_DATA).post('/api/v3/oauth/token'),
            (i) => i.reply(200, { token_type: 'bearer' }),
            /no access_token/,
          ],
        ];
      for (const [what, intercept, answer, detail] of cases) {
        it(`ends in an InternalOAuthError that names the step for ${what}`, async () => {
          await start();
          answer(intercept());
          const outcome = await browser.check({ code: 'code_1', state });
          expect(outcome.error?.name).to.equal('InternalOAuthError');
          expect(outcome.error?.message)
            .to.match(/^Failed to obtain access token: /)
            .and.match(detail);
          expect(app.errors[0]).to.be.instanceOf(InternalOAuthError);
        });
      }
    });

    describe('when the token endpoint hangs', () => {
      it('gives up after the timeout', async () => {
        await start({ timeout: 50 });
        nock(WHOP_DATA).post('/api/v3/oauth/token').delay(2000).reply(200, token);
        const outcome = await browser.check({ code: 'code_1', state });
        expect(outcome.error?.message).to.equal(
          'Failed to obtain access token: timed out after 50 ms',
        );
      });
    });

    describe('when the token request fails with a transport error that quotes the request', () => {
      it('keeps the secret and the code out of the error and its causes', async () => {
        await start();
        // nock refuses an unmatched request with an error that quotes the whole form body.
        nock(WHOP_DATA).post('/api/v3/oauth/token', { never: 'matches' }).reply(200, token);
        await browser.check({ code: 'code_secretcode', state });
        const error = app.errors[0] as Error & { cause?: unknown };
        const seen = [error.message, error.stack, String(error), JSON.stringify(error)];
        for (
          let cause = error.cause as Error | undefined;
          cause;
          cause = cause.cause as Error | undefined
        ) {
          seen.push(cause.message, cause.stack ?? '');
        }
        const text = seen.join('\n');
        expect(text).to.include('[redacted]');
        expect(text).not.to.include('secret_test');
        expect(text).not.to.include('code_secretcode');
      });
    });

    describe("when a subclass's userProfile throws", () => {
      // passport-oauth2 throws out of node-oauth's callback: an uncaught exception.
      it('ends in that error', async () => {
        const thrown = new RangeError('userProfile threw');
        class Throwing extends WhopStrategy {
          override userProfile(): void {
            throw thrown;
          }
        }
        await start({}, '/auth/whop', Throwing);
        nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        await browser.check({ code: 'code_1', state });
        expect(app.errors).to.deep.equal([thrown]);
      });
    });

    describe("when a subclass's userProfile calls back twice", () => {
      // passport-oauth2 would call verify, and answer the request, twice.
      it('logs the user in once, with the first profile', async () => {
        class Twice extends WhopStrategy {
          override userProfile(_token: string, done: (e: null, p: never) => void): void {
            done(null, { provider: 'whop', id: 'user_first' } as never);
            done(null, { provider: 'whop', id: 'user_second' } as never);
          }
        }
        await start({}, '/auth/whop', Twice);
        nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        const outcome = await browser.check({ code: 'code_1', state });
        expect(outcome.user).to.deep.equal({ id: 'user_first' });
        expect(calls).to.have.length(1);
      });
    });

    describe('when the profile cannot be loaded', () => {
      const cases: [string, (s: nock.Interceptor) => nock.Scope, RegExp][] = [
        ['a 401', (i) => i.reply(401, { message: 'Unauthorized' }), /HTTP 401: Unauthorized/],
        [
          'a 429 with Retry-After',
          (i) => i.reply(429, { message: 'You are being rate limited' }, { 'Retry-After': '60' }),
          /HTTP 429: You are being rate limited, retry after 60 s/,
        ],
        ['bad JSON', (i) => i.reply(200, '{"id":'), /not JSON/],
        ['no user id', (i) => i.reply(200, { username: 'nobody' }), /no user id/],
      ];
      for (const [what, answer, detail] of cases) {
        it(`ends in an InternalOAuthError 'Failed to fetch user profile' for ${what}`, async () => {
          await start();
          nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
          answer(nock(WHOP_API).get('/api/v5/me'));
          const outcome = await browser.check({ code: 'code_1', state });
          expect(outcome.error?.name).to.equal('InternalOAuthError');
          expect(outcome.error?.message)
            .to.match(/^Failed to fetch user profile: /)
            .and.match(detail);
        });
      }

      it('keeps the Retry-After seconds on the error', async () => {
        await start();
        nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        nock(WHOP_API)
          .get('/api/v5/me')
          .reply(429, { message: 'slow down' }, { 'Retry-After': '30' });
        await browser.check({ code: 'code_1', state });
        expect(app.errors[0]).to.include({ status: 429, retryAfter: 30 });
      });
    });

    describe('when the code store fails', () => {
      let outcome: Outcome;
      let exchange: nock.Scope;
      beforeEach(async () => {
        const broken: CodeStore = { claim: () => Promise.reject(new Error('connection refused')) };
        await start({ codeStore: broken });
        exchange = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
        outcome = await browser.check({ code: 'code_1', state });
      });

      it('ends in an error that says the code was not exchanged', () =>
        expect(outcome.error?.message).to.match(
          /code store failed.*not exchanged|not exchanged.*code store/,
        ));
      it('does not exchange the code', () => expect(exchange.isDone()).to.equal(false));
    });
  });
  describe('the verify function', () => {
    let app: TestApp;
    afterEach(() => app.close());

    async function login(strategy: WhopStrategy): Promise<Outcome> {
      app = await startApp(strategy);
      const browser = new Browser(app.url);
      const { state } = await browser.startLogin();
      whopAnswers();
      return browser.check({ code: 'code_1', state: state! });
    }

    it('takes (accessToken, refreshToken, profile, done)', async () => {
      const outcome = await login(
        new WhopStrategy(
          BASE,
          (
            accessToken: string,
            _r: string | undefined,
            profile: WhopProfile,
            done: VerifyCallback,
          ) => done(null, { id: profile.id, accessToken }),
        ),
      );
      expect(outcome.user).to.deep.equal({ id: me.id, accessToken: token.access_token });
    });

    it('takes (accessToken, refreshToken, params, profile, done)', async () => {
      const outcome = await login(
        new WhopStrategy(
          BASE,
          (
            _a: string,
            _r: string | undefined,
            params: WhopTokenParams,
            profile: WhopProfile,
            done: VerifyCallback,
          ) => done(null, { id: profile.id, scope: params.scope }),
        ),
      );
      expect(outcome.user).to.deep.equal({ id: me.id, scope: 'biz_company123' });
    });

    it('passes info from done', async () => {
      const outcome = await login(
        new WhopStrategy(
          BASE,
          (_a: string, _r: string | undefined, _p: WhopProfile, done: VerifyCallback) =>
            done(null, false, { message: 'not invited' }),
        ),
      );
      expect(outcome.info).to.deep.equal({ message: 'not invited' });
    });

    it('takes req first with passReqToCallback', async () => {
      const outcome = await login(
        new WhopStrategy({ ...BASE, passReqToCallback: true }, async (req, _a, _r, profile) => ({
          id: profile.id,
          path: req.path,
        })),
      );
      expect(outcome.user).to.deep.equal({ id: me.id, path: '/auth/whop/check' });
    });

    it('takes req and params with passReqToCallback and six parameters', async () => {
      const outcome = await login(
        new WhopStrategy(
          { ...BASE, passReqToCallback: true },
          (
            req: Request,
            _a: string,
            _r: string | undefined,
            params: WhopTokenParams,
            profile: WhopProfile,
            done: VerifyCallback,
          ) => done(null, { id: profile.id, path: req.path, type: params.token_type }),
        ),
      );
      expect(outcome.user).to.deep.equal({ id: me.id, path: '/auth/whop/check', type: 'bearer' });
    });

    it('ends in the error a callback verify throws', async () => {
      const outcome = await login(
        new WhopStrategy(
          BASE,
          (_a: string, _r: string | undefined, _p: WhopProfile, _done: VerifyCallback) => {
            throw new Error('verify threw');
          },
        ),
      );
      expect(outcome.error?.message).to.equal('verify threw');
    });

    it('skips the profile with skipUserProfile', async () => {
      app = await startApp(
        new WhopStrategy({ ...BASE, skipUserProfile: true }, async (_a, _r, profile) => ({
          id: 'x',
          profile: profile ?? null,
        })),
      );
      const browser = new Browser(app.url);
      const { state } = await browser.startLogin();
      const exchange = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
      const profile = nock(WHOP_API).get('/api/v5/me').reply(200, me);
      const outcome = await browser.check({ code: 'code_1', state: state! });
      expect(outcome.user).to.deep.equal({ id: 'x', profile: null });
      expect(exchange.isDone()).to.equal(true);
      expect(profile.isDone()).to.equal(false);
    });
  });

  describe("a subclass's tokenParams", () => {
    it('are sent with the code', async () => {
      class AudienceStrategy extends WhopStrategy {
        override tokenParams() {
          return { audience: 'api' };
        }
      }
      const app = await startApp(new AudienceStrategy(BASE, async (_a, _r, p) => ({ id: p.id })));
      const browser = new Browser(app.url);
      const { state } = await browser.startLogin();
      const exchange = nock(WHOP_DATA)
        .post('/api/v3/oauth/token', { ...tokenForm('code_1'), audience: 'api' })
        .reply(200, token);
      nock(WHOP_API).get('/api/v5/me').reply(200, me);
      const outcome = await browser.check({ code: 'code_1', state: state! });
      await app.close();
      expect(outcome.user).to.deep.equal({ id: me.id });
      expect(exchange.isDone()).to.equal(true);
    });
  });

  describe('customHeaders', () => {
    it('are sent to the token and profile endpoints', async () => {
      const app = await startApp(
        new WhopStrategy({ ...BASE, customHeaders: { 'x-app': 'demo' } }, async (_a, _r, p) => ({
          id: p.id,
        })),
      );
      const browser = new Browser(app.url);
      const { state } = await browser.startLogin();
      const exchange = nock(WHOP_DATA, { reqheaders: { 'x-app': 'demo' } })
        .post('/api/v3/oauth/token')
        .reply(200, token);
      const profile = nock(WHOP_API, { reqheaders: { 'x-app': 'demo' } })
        .get('/api/v5/me')
        .reply(200, me);
      await browser.check({ code: 'code_1', state: state! });
      await app.close();
      expect(exchange.isDone() && profile.isDone()).to.equal(true);
    });
  });
});

import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import nock from 'nock';
import refresh from 'passport-oauth2-refresh';
import {
  refreshAccessToken,
  TokenError,
  WhopStrategy,
  type StateStore,
  type WhopOAuth21Options,
  type WhopProfile,
  type WhopTokenParams,
  withParams,
} from '../src/index.js';
import { oauthClientOf } from '../src/whop/client.js';
import { Browser, startApp, type Outcome, type TestApp } from './support/app.js';
import { fixture } from './support/fixtures.js';
import { createKey, jwksOf, signIdToken, type TestKey } from './support/id-tokens.js';

const API = 'https://api.whop.com';
const JWKS_PATH = '/.well-known/jwks.json';
const CALLBACK = 'https://example.com/auth/whop/callback';
const PUBLIC: WhopOAuth21Options = {
  flow: 'oauth2.1',
  clientID: 'app_test',
  callbackURL: CALLBACK,
};
const CONFIDENTIAL: WhopOAuth21Options = { ...PUBLIC, clientSecret: 'secret_test' };
const token = fixture('oauth21-token');
const userinfo = fixture('userinfo');

interface VerifyCall {
  params: WhopTokenParams;
  profile: WhopProfile;
}

describe('WhopStrategy with flow: oauth2.1', () => {
  let key: TestKey;
  let otherKey: TestKey;
  let app: TestApp | undefined;
  let browser: Browser;
  let calls: VerifyCall[];

  before(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    key = await createKey('whop-key-1');
    otherKey = await createKey('other-key');
  });
  afterEach(async () => {
    nock.cleanAll();
    await app?.close();
    app = undefined;
  });
  after(() => nock.enableNetConnect());

  async function start(options: Partial<WhopOAuth21Options> = {}, session = true) {
    calls = [];
    const strategy = new WhopStrategy(
      { ...CONFIDENTIAL, ...options },
      withParams(
        async (
          _a: string,
          _r: string | undefined,
          params: WhopTokenParams,
          profile: WhopProfile,
        ) => {
          calls.push({ params, profile });
          return { id: profile.id };
        },
      ),
    );
    app = await startApp(strategy, { session });
    browser = new Browser(app.url);
  }

  /** Start a login and read what it sent to Whop's authorize page. */
  async function redirect(path = '/auth/whop') {
    const { location } = await browser.startLogin(path);
    const query = Object.fromEntries(location.searchParams);
    return { location, query, state: query.state!, nonce: query.nonce! };
  }

  /** Whop's token, JWKS and userinfo endpoints answering one login; the token form is captured. */
  function whop(idToken: string | undefined, code = 'code_1') {
    const sent: { form?: Record<string, string> } = {};
    return {
      sent,
      token: nock(API)
        .post('/oauth/token', (body: Record<string, string>) => {
          sent.form = body;
          return body.code === code;
        })
        .reply(200, { ...token, ...(idToken !== undefined && { id_token: idToken }) }),
      userinfo: nock(API, { reqheaders: { authorization: `Bearer ${token.access_token}` } })
        .get('/oauth/userinfo')
        .reply(200, userinfo),
    };
  }

  function jwks() {
    return nock(API).get(JWKS_PATH).reply(200, jwksOf(key));
  }

  describe('the redirect to Whop', () => {
    describe('by default', () => {
      let location: URL;
      let query: Record<string, string>;
      beforeEach(async () => {
        await start();
        ({ location, query } = await redirect());
      });

      it("goes to Whop's OAuth 2.1 authorize endpoint", () =>
        expect(`${location.origin}${location.pathname}`).to.equal(`${API}/oauth/authorize`));
      it('asks for a code', () => expect(query.response_type).to.equal('code'));
      it('names the client', () => expect(query.client_id).to.equal('app_test'));
      it('sends the callback URL as redirect_uri', () =>
        expect(query.redirect_uri).to.equal(CALLBACK));
      it('asks for the default OpenID scopes', () =>
        expect(query.scope).to.equal('openid profile email'));
      it('sends a random state', () => expect(query.state).to.match(/^[A-Za-z0-9]{24}$/));
      it('sends a nonce that is neither the challenge nor the state', () => {
        expect(query.nonce).to.match(/^[A-Za-z0-9_-]{43}$/);
        expect(query.nonce).not.to.equal(query.code_challenge);
        expect(query.nonce).not.to.equal(query.state);
      });
      it('sends a PKCE S256 challenge', () => {
        expect(query.code_challenge_method).to.equal('S256');
        expect(query.code_challenge).to.match(/^[A-Za-z0-9_-]{43}$/);
      });
      it('sends no company_id', () => expect(query).not.to.have.property('company_id'));
    });

    describe('twice', () => {
      it('sends a new state, nonce and challenge each time', async () => {
        await start();
        const first = (await redirect()).query;
        const second = (await redirect()).query;
        for (const name of ['state', 'nonce', 'code_challenge'])
          expect(second[name], name).not.to.equal(first[name]);
      });
    });

    describe('with a company among the scope option', () => {
      let query: Record<string, string>;
      beforeEach(async () => {
        await start({ scope: 'openid email biz_option1' });
        ({ query } = await redirect());
      });

      it('sends the company as company_id', () => expect(query.company_id).to.equal('biz_option1'));
      it('sends the rest as scope', () => expect(query.scope).to.equal('openid email'));
    });

    describe('with the scope option as an array', () => {
      it('sends its scopes space-separated and its company as company_id', async () => {
        await start({ scope: ['openid', 'profile', 'biz_option1'] });
        const { query } = await redirect();
        expect(query).to.include({ scope: 'openid profile', company_id: 'biz_option1' });
      });
    });

    describe('with a company passed to authenticate()', () => {
      it("overrides the option's company and keeps its scopes", async () => {
        await start({ scope: 'openid biz_option1' });
        const { query } = await redirect('/auth/whop/company/biz_request2');
        expect(query).to.include({ scope: 'openid', company_id: 'biz_request2' });
      });
    });

    describe('with a string state passed to authenticate()', () => {
      it('ends in an error, not a redirect', async () => {
        app = await startApp(new WhopStrategy(CONFIDENTIAL, async () => false), {
          authorize: { state: 'fixed' },
        });
        const response = await new Browser(app.url).get('/auth/whop');
        expect(response.status).to.equal(500);
        expect(app.errors[0])
          .to.be.instanceOf(TypeError)
          .with.property('message')
          .that.matches(/state passed to authenticate\(\) must be an object/);
      });
    });
  });

  describe('the callback', () => {
    describe('for a confidential client', () => {
      let sent: { form?: Record<string, string> };
      let scopes: nock.Scope[];
      let challenge: string;
      let nonce: string;
      let outcome: Outcome;
      beforeEach(async () => {
        await start();
        const login = await redirect();
        challenge = login.query.code_challenge!;
        nonce = login.nonce;
        const answers = whop(await signIdToken({ nonce }, { key }));
        sent = answers.sent;
        scopes = [answers.token, answers.userinfo, jwks()];
        outcome = await browser.check({ code: 'code_1', state: login.state });
      });

      it('logs the user in', () => expect(outcome.user).to.deep.equal({ id: userinfo.sub }));
      it('posts exactly the code, redirect_uri, client_id, secret and PKCE verifier', () =>
        expect(sent.form).to.deep.equal({
          grant_type: 'authorization_code',
          code: 'code_1',
          redirect_uri: CALLBACK,
          client_id: 'app_test',
          client_secret: 'secret_test',
          code_verifier: sent.form?.code_verifier,
        }));
      it('sends the verifier whose SHA-256 is the challenge', () => {
        const verifier = sent.form!.code_verifier!;
        expect(verifier).to.match(/^[A-Za-z0-9_-]{43,128}$/);
        expect(createHash('sha256').update(verifier).digest('base64url')).to.equal(challenge);
      });
      it('fetches the JWKS and the userinfo', () => scopes.forEach((scope) => scope.done()));
      it('passes the verified ID token claims as params.id_token_claims', () =>
        expect(calls[0]!.params.id_token_claims).to.include({
          sub: userinfo.sub,
          aud: 'app_test',
          iss: API,
          nonce,
        }));
      it('maps the OpenID userinfo to the profile', () =>
        expect(calls[0]!.profile).to.deep.include({
          id: userinfo.sub,
          username: userinfo.preferred_username,
          displayName: userinfo.name,
          emails: [{ value: userinfo.email, verified: true }],
          photos: [{ value: userinfo.picture }],
        }));
    });

    describe("when Whop accepted the code but its keys answer 404 (a 4xx after the token's 200)", () => {
      let released: string[];
      let outcome: Outcome;
      beforeEach(async () => {
        released = [];
        await start({
          codeStore: {
            claim: async () => true,
            release: async (code) => void released.push(code),
          },
        });
        const { state, nonce } = await redirect();
        whop(await signIdToken({ nonce }, { key }));
        nock(API).get(JWKS_PATH).reply(404, { error: 'not_found' });
        outcome = await browser.check({ code: 'code_1', state });
      });

      it('fails the login', () => expect(outcome.error?.name).to.equal('InternalOAuthError'));
      it('keeps the code recorded: Whop spent it', () => expect(released).to.deep.equal([]));
    });

    describe("when the userinfo names another user than the ID token's sub", () => {
      let outcome: Outcome;
      beforeEach(async () => {
        await start();
        const { state, nonce } = await redirect();
        whop(await signIdToken({ nonce, sub: 'user_someone_else' }, { key }));
        jwks();
        outcome = await browser.check({ code: 'code_1', state });
      });

      it('fails the login with an InternalOAuthError (OpenID Connect Core 5.3.2)', () =>
        expect(outcome.error).to.deep.include({
          name: 'InternalOAuthError',
          message:
            "Failed to fetch user profile: the profile's user (sub) is not the ID token's (OpenID Connect Core 5.3.2)",
        }));
      it('does not call verify', () => expect(calls).to.have.length(0));
    });

    describe('for a public client', () => {
      it('posts no client_secret', async () => {
        await start({ clientSecret: undefined });
        const { state, nonce } = await redirect();
        const answers = whop(await signIdToken({ nonce }, { key }));
        jwks();
        const outcome = await browser.check({ code: 'code_1', state });
        expect(outcome.user).to.deep.equal({ id: userinfo.sub });
        expect(answers.sent.form).to.deep.equal({
          grant_type: 'authorization_code',
          code: 'code_1',
          redirect_uri: CALLBACK,
          client_id: 'app_test',
          code_verifier: answers.sent.form?.code_verifier,
        });
      });
    });

    describe('when Whop echoes the OpenID scopes', () => {
      it('logs in: they are not a company to compare', async () => {
        await start({ scope: 'openid profile email biz_asked' });
        const { state, nonce } = await redirect();
        whop(await signIdToken({ nonce }, { key }));
        jwks();
        const outcome = await browser.check({ code: 'code_1', state, scope: 'openid profile' });
        expect(outcome.user).to.deep.equal({ id: userinfo.sub });
      });
    });

    describe('when the openid scope was asked for and the token response has no id_token', () => {
      let outcome: Outcome;
      let profile: nock.Scope;
      beforeEach(async () => {
        await start();
        const { state } = await redirect();
        ({ userinfo: profile } = whop(undefined));
        outcome = await browser.check({ code: 'code_1', state });
      });

      it('fails the login with the id_token step', () =>
        expect(outcome.error).to.deep.include({
          name: 'InternalOAuthError',
          message:
            'Failed to verify the ID token: the token response has no id_token, though the login asked for the openid scope',
        }));
      it('loads no profile', () => expect(profile.isDone()).to.equal(false));
      it('calls no verify', () => expect(calls).to.have.length(0));
    });

    describe('when the token response has no id_token', () => {
      let keys: nock.Scope;
      let outcome: Outcome;
      beforeEach(async () => {
        await start({ scope: 'profile email' });
        const { state } = await redirect();
        whop(undefined);
        keys = jwks();
        outcome = await browser.check({ code: 'code_1', state });
      });

      it('logs in', () => expect(outcome.user).to.deep.equal({ id: userinfo.sub }));
      it('passes no claims', () =>
        expect(calls[0]!.params).not.to.have.property('id_token_claims'));
      it('fetches no keys', () => expect(keys.isDone()).to.equal(false));
    });

    describe('when the ID token fails a check', () => {
      const cases: [string, (nonce: string) => Promise<string>, string][] = [
        [
          'signed by another key',
          (nonce) => signIdToken({ nonce }, { key: otherKey, kid: key.kid }),
          'signature verification failed',
        ],
        [
          'for another client',
          (nonce) => signIdToken({ nonce, aud: 'app_other' }, { key }),
          'unexpected "aud" claim value',
        ],
        [
          'from another issuer',
          (nonce) => signIdToken({ nonce, iss: 'https://evil.example' }, { key }),
          'unexpected "iss" claim value',
        ],
        [
          'expired',
          (nonce) => signIdToken({ nonce }, { key, expiresIn: -60 }),
          'expired ("exp" claim timestamp check failed)',
        ],
        [
          'of another login',
          () => signIdToken({ nonce: 'another_login_nonce' }, { key }),
          'nonce mismatch',
        ],
      ];
      for (const [what, sign, detail] of cases) {
        describe(`(${what})`, () => {
          let outcome: Outcome;
          let answers: ReturnType<typeof whop>;
          beforeEach(async () => {
            await start();
            const { state, nonce } = await redirect();
            answers = whop(await sign(nonce));
            jwks();
            outcome = await browser.check({ code: 'code_1', state });
          });

          it('ends the login in an InternalOAuthError that says which check failed', () =>
            expect(outcome.error).to.include({
              name: 'InternalOAuthError',
              message: `Failed to verify the ID token: ${detail}`,
            }));
          it('loads no profile', () => expect(answers.userinfo.isDone()).to.equal(false));
          it('calls no verify function', () => expect(calls).to.have.length(0));
          it('shows no token or secret', () =>
            expect(JSON.stringify(outcome.error))
              .not.to.include(token.access_token)
              .and.not.to.include('secret_test'));
        });
      }
    });

    describe('for several logins', () => {
      let again: nock.Scope;
      let users: unknown[];
      beforeEach(async () => {
        await start();
        const first = jwks();
        again = jwks();
        users = [];
        for (const code of ['code_1', 'code_2', 'code_3']) {
          const { state, nonce } = await redirect();
          whop(await signIdToken({ nonce }, { key }), code);
          users.push((await browser.check({ code, state })).user);
        }
        first.done();
      });

      it('logs each in', () => expect(users).to.deep.equal(Array(3).fill({ id: userinfo.sub })));
      it('fetches the JWKS once', () => expect(again.isDone()).to.equal(false));
    });

    describe('with a custom five-parameter store and no session', () => {
      it('keeps the verifier and the nonce there and logs in', async () => {
        const saved = new Map<string, { verifier: string; state: unknown }>();
        let kept: string | undefined;
        const store = {
          store(
            _req: unknown,
            verifier: string,
            state: unknown,
            _meta: unknown,
            callback: (err: null, handle: string) => void,
          ) {
            const handle = randomUUID();
            kept = verifier;
            saved.set(handle, { verifier, state });
            callback(null, handle);
          },
          verify(
            _req: unknown,
            handle: string,
            callback: (err: null, ok: string | false, state?: unknown) => void,
          ) {
            const found = saved.get(handle);
            saved.delete(handle);
            return found ? callback(null, found.verifier, found.state) : callback(null, false);
          },
        } as unknown as StateStore;
        await start({ store }, false);
        const { state, nonce } = await redirect();
        const answers = whop(await signIdToken({ nonce }, { key }));
        jwks();
        const outcome = await browser.check({ code: 'code_1', state });
        expect(outcome.user).to.deep.equal({ id: userinfo.sub });
        expect(answers.sent.form?.code_verifier).to.equal(kept);
      });
    });

    describe('with a custom store that gives back no verifier', () => {
      it('fails before the exchange, the code unspent', async () => {
        const saved = new Set<string>();
        const store = {
          store(
            _req: unknown,
            _verifier: string,
            _state: unknown,
            _meta: unknown,
            callback: (err: null, handle: string) => void,
          ) {
            const handle = randomUUID();
            saved.add(handle);
            callback(null, handle);
          },
          verify(_req: unknown, handle: string, callback: (err: null, ok: boolean) => void) {
            callback(null, saved.delete(handle));
          },
        } as unknown as StateStore;
        await start({ store }, false);
        const { state } = await redirect();
        const answers = whop(undefined);
        const outcome = await browser.check({ code: 'code_1', state });
        expect(outcome.status).to.equal(403);
        expect(outcome.info?.message).to.equal(
          'The state store gave back no PKCE code verifier: start the login again',
        );
        expect(answers.token.isDone()).to.equal(false);
      });
    });

    describe('when Whop refuses the code', () => {
      it("ends in a TokenError with Whop's status", async () => {
        await start();
        const { state } = await redirect();
        nock(API)
          .post('/oauth/token')
          .reply(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        const outcome = await browser.check({ code: 'code_1', state });
        expect(outcome.error).to.include({
          name: 'TokenError',
          code: 'invalid_grant',
          message: 'PKCE verification failed',
          status: 400,
        });
        expect(app!.errors[0]).to.be.instanceOf(TokenError);
      });
    });
  });

  describe('refresh', () => {
    const refreshed = { ...token, refresh_token: 'rt_rotated' };

    it('through refreshAccessToken sends company_id and no secret for a public client', async () => {
      const scope = nock(API)
        .post('/oauth/token', {
          grant_type: 'refresh_token',
          refresh_token: 'rt_old',
          client_id: 'app_test',
          company_id: 'biz_asked',
        })
        .reply(200, refreshed);
      const strategy = new WhopStrategy(PUBLIC, async () => false);
      const tokens = await refreshAccessToken(strategy, 'rt_old', { scope: 'biz_asked' });
      scope.done();
      expect(tokens.refreshToken).to.equal('rt_rotated');
    });

    it('through passport-oauth2-refresh sends no secret for a public client', async () => {
      const scope = nock(API)
        .post('/oauth/token', {
          grant_type: 'refresh_token',
          refresh_token: 'rt_old',
          client_id: 'app_test',
        })
        .reply(200, refreshed);
      // A registry of its own: the module's default one is shared by every test file.
      const { AuthTokenRefresh } = refresh as unknown as {
        AuthTokenRefresh: new () => typeof refresh;
      };
      const registry = new AuthTokenRefresh();
      registry.use(new WhopStrategy(PUBLIC, async () => false));
      const rotated = await new Promise<string | undefined>((resolve, reject) =>
        registry.requestNewAccessToken('whop', 'rt_old', (err, _access, refreshToken) =>
          err ? reject(new Error(JSON.stringify(err))) : resolve(refreshToken),
        ),
      );
      scope.done();
      expect(rotated).to.equal('rt_rotated');
    });
  });

  describe('options', () => {
    const verify = async () => false;
    const construct = (options: Record<string, unknown>) => () =>
      new WhopStrategy({ ...CONFIDENTIAL, ...options } as WhopOAuth21Options, verify);

    it('uses the OAuth 2.1 endpoints', () => {
      const strategy = new WhopStrategy(PUBLIC, verify);
      expect(oauthClientOf(strategy)).to.include({
        flow: 'oauth2.1',
        tokenURL: `${API}/oauth/token`,
        revocationURL: `${API}/oauth/revoke`,
      });
    });
    it("takes flow: 'legacy', the default", () => {
      const options = { clientID: 'a', clientSecret: 's', callbackURL: '/cb' } as const;
      expect(
        oauthClientOf(new WhopStrategy({ ...options, flow: 'legacy' }, verify))!.flow,
      ).to.equal('legacy');
      expect(oauthClientOf(new WhopStrategy(options, verify))!.flow).to.equal('legacy');
    });
    it('rejects an unknown flow', () =>
      expect(construct({ flow: 'oauth2' })).to.throw(
        TypeError,
        "WhopStrategy requires the flow option to be 'legacy' or 'oauth2.1'",
      ));
    it('takes no clientSecret (a public client)', () =>
      expect(construct({ clientSecret: undefined })).not.to.throw());
    it('rejects an empty clientSecret', () =>
      expect(construct({ clientSecret: '' })).to.throw(
        TypeError,
        'WhopStrategy requires a clientSecret option',
      ));
    it('rejects state: false', () =>
      expect(construct({ state: false })).to.throw(
        TypeError,
        "WhopStrategy requires the state option to be true with flow: 'oauth2.1'",
      ));
    it('rejects a store that cannot keep the PKCE verifier', () =>
      expect(
        construct({
          store: { store: (_r: unknown, _s: unknown, _m: unknown, _c: unknown) => {}, verify() {} },
        }),
      ).to.throw(TypeError, /store option to be a store whose store\(\) takes \(req, verifier/));
    for (const bad of [
      'openid "profile"',
      'openid prof\\ile',
      ['openid', 'pro file'],
      'openid biz_one biz_two',
      'openid biz_',
      'openid biz_x&state=y',
      ['openid', 'biz_a-b'],
      [42],
      42,
    ]) {
      it(`rejects the scope ${JSON.stringify(bad)}`, () =>
        expect(construct({ scope: bad })).to.throw(
          TypeError,
          /^WhopStrategy requires the scope option to be OpenID scopes/,
        ));
    }
    for (const good of ['openid', 'openid  email', ['openid', 'biz_one'], 'biz_one', []]) {
      it(`accepts the scope ${JSON.stringify(good)}`, () =>
        expect(construct({ scope: good })).not.to.throw());
    }
    it('rejects a jwksURL that is not a URL', () =>
      expect(construct({ jwksURL: 'keys' })).to.throw(TypeError, /jwksURL/));
    it('rejects an issuer that is not a URL', () =>
      expect(construct({ issuer: 'whop' })).to.throw(TypeError, /issuer/));
    it('rejects OAuth 2.1 options without the flow', () =>
      expect(
        () =>
          new WhopStrategy(
            { clientID: 'a', clientSecret: 's', callbackURL: '/cb', jwksURL: API } as never,
            verify,
          ),
      ).to.throw(
        TypeError,
        "WhopStrategy requires the jwksURL option to be given with flow: 'oauth2.1' only",
      ));
  });
});

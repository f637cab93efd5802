import { expect } from 'chai';
import express, {
  type NextFunction,
  type Request,
  type Response as ExpressResponse,
} from 'express';
import nock from 'nock';
import { Passport } from 'passport';
import {
  CookieStateStore,
  MemoryCodeStore,
  WhopStrategy,
  type CookieRequest,
  type CookieStateStoreOptions,
} from '../src/index.js';
import { listen } from './support/app.js';
import { CALLBACK, me, token, WHOP_DATA, whopAnswers } from './support/whop.js';

const SECRET = 'a test secret of 32 characters!!';
const COOKIE = 'passport-whop.state';
const TEN_MINUTES = 10 * 60 * 1000;
const META = {
  authorizationURL: 'https://whop.com/oauth',
  tokenURL: `${WHOP_DATA}/api/v3/oauth/token`,
  clientID: 'app_test',
};

/** A token request that must not happen. */
function forbiddenTokenRequest(): nock.Scope {
  return nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
}

interface CookieApp {
  readonly url: string;
  readonly errors: Error[];
  close(): Promise<void>;
}

/**
 * An Express app with no session middleware: passport.initialize() only, `session: false`, the
 * state in the store's cookie. Behind a proxy (`trust proxy`), as apps on https usually are.
 * `/auth/whop/check` finishes the login with a custom callback and answers what passport saw.
 */
async function startCookieApp(
  store: CookieStateStore,
  options: { timeout?: number } = {},
): Promise<CookieApp> {
  const strategy = new WhopStrategy(
    { clientID: 'app_test', clientSecret: 'secret_test', callbackURL: CALLBACK, store, ...options },
    async (_accessToken, _refreshToken, profile) => ({ id: profile.id }),
  );
  const passport = new Passport();
  passport.use(strategy);
  const errors: Error[] = [];
  const app = express();
  app.set('trust proxy', true);
  app.use(passport.initialize());
  app.get(
    '/auth/whop',
    // @types/passport types `state` as a string; passport-oauth2 takes an object too.
    passport.authenticate('whop', { session: false, state: { returnTo: '/dashboard' } as never }),
  );
  app.get(
    '/auth/whop/callback',
    passport.authenticate('whop', { session: false, failureRedirect: '/login' }),
    (req, res) => res.json({ user: req.user, state: (req.authInfo as { state?: unknown }).state }),
  );
  app.get('/auth/whop/check', (req, res, next) =>
    passport.authenticate(
      'whop',
      { session: false },
      (error: Error | null, user: unknown, info: unknown, status?: number) => {
        if (error) return next(error);
        res.json({ user, info, status });
      },
    )(req, res, next),
  );
  app.use((error: Error, _req: Request, res: ExpressResponse, _next: NextFunction) => {
    errors.push(error);
    res.status(500).json({ error: error.message });
  });
  return { ...(await listen(app)), errors };
}

interface Started {
  readonly state: string;
  /** The `Set-Cookie` line of the redirect. */
  readonly setCookie: string;
  /** The `name=value` pair a browser sends back. */
  readonly cookie: string;
}

async function get(app: CookieApp, path: string, headers: Record<string, string> = {}) {
  return fetch(new URL(path, app.url), { redirect: 'manual', headers });
}

/** Start a login, as a browser: the state sent to Whop and the cookie set. */
async function startLogin(app: CookieApp, headers: Record<string, string> = {}): Promise<Started> {
  const response = await get(app, '/auth/whop', headers);
  const location = new URL(response.headers.get('location')!);
  const [setCookie] = response.headers.getSetCookie();
  return {
    state: location.searchParams.get('state')!,
    setCookie: setCookie!,
    cookie: setCookie!.split(';')[0]!,
  };
}

interface Outcome {
  readonly user: unknown;
  readonly info?: { message?: string };
  readonly status?: number;
}

async function check(app: CookieApp, query: Record<string, string>, cookie?: string) {
  const response = await get(
    app,
    `/auth/whop/check?${new URLSearchParams(query)}`,
    cookie ? { cookie } : {},
  );
  return (await response.json()) as Outcome;
}

/** A request and response as a plain Node server has them, for calling the store directly. */
function exchange(cookie?: string): CookieRequest & { res: { headers: Map<string, unknown> } } {
  const headers = new Map<string, unknown>();
  return {
    headers: cookie ? { cookie } : {},
    res: {
      headers,
      getHeader: (name: string) => headers.get(name.toLowerCase()) as string[] | undefined,
      setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), value),
    },
  };
}

describe('CookieStateStore', () => {
  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  describe('options', () => {
    const construct = (options: Partial<CookieStateStoreOptions>) => () =>
      new CookieStateStore({ secret: SECRET, ...options });

    it('requires options', () =>
      expect(() => new CookieStateStore(undefined as never)).to.throw(
        TypeError,
        'CookieStateStore requires an options object with a secret',
      ));
    it('requires a secret', () =>
      expect(construct({ secret: undefined })).to.throw(
        TypeError,
        'CookieStateStore requires the secret option to be a string of at least 32 characters, or a non-empty array of them (the first seals, all open)',
      ));
    it('rejects an empty list of secrets', () =>
      expect(construct({ secret: [] })).to.throw(TypeError, /secret option/));
    it('rejects a list with a secret under 32 characters', () =>
      expect(construct({ secret: [SECRET, 'short'] })).to.throw(TypeError, /secret option/));
    it('accepts a list of secrets', () =>
      expect(construct({ secret: [SECRET, SECRET.toUpperCase()] })).not.to.throw());
    it('names the cookie passport-whop.state on http', () =>
      expect(construct({})().cookieName).to.equal('passport-whop.state'));
    it('names the cookie __Host-passport-whop.state on https', () =>
      expect(construct({})().secureCookieName).to.equal('__Host-passport-whop.state'));
    it('takes a cookieName for both', () =>
      expect(construct({ cookieName: 'app.state' })()).to.include({
        cookieName: 'app.state',
        secureCookieName: 'app.state',
      }));
    it('rejects a secret under 32 characters', () =>
      expect(construct({ secret: SECRET.slice(1) })).to.throw(TypeError, /secret option/));
    it('accepts a secret of 32 characters', () => expect(construct({})).not.to.throw());
    it('rejects a cookieName that is no cookie name', () =>
      expect(construct({ cookieName: 'a b' })).to.throw(
        TypeError,
        'CookieStateStore requires the cookieName option to be a cookie name',
      ));
    it('rejects a maxAge under a second (it is in milliseconds)', () =>
      expect(construct({ maxAge: 600 })).to.throw(TypeError, /CookieStateStore .* maxAge option/));
    it('rejects a usedStore without claim()', () =>
      expect(construct({ usedStore: {} as never })).to.throw(
        TypeError,
        /CookieStateStore requires the usedStore option/,
      ));
    it('has a five-parameter store(), so it receives the PKCE verifier', () =>
      expect(new CookieStateStore({ secret: SECRET }).store).to.have.length(5));
  });

  describe('a login without sessions', () => {
    let app: CookieApp;
    let whop: ReturnType<typeof whopAnswers>;
    let started: Started;
    let callback: Response;
    beforeEach(async () => {
      app = await startCookieApp(new CookieStateStore({ secret: SECRET }));
      whop = whopAnswers('code_1');
      started = await startLogin(app);
      callback = await get(app, `/auth/whop/callback?code=code_1&state=${started.state}`, {
        cookie: started.cookie,
      });
    });
    afterEach(() => app.close());

    it('sends a state to Whop', () => expect(started.state).to.match(/^[\w-]{32}$/));
    it('sets the state cookie', () => expect(started.cookie).to.match(/^passport-whop\.state=.+/));
    it('logs the user in and gives back the app state', async () =>
      expect(await callback.json()).to.deep.equal({
        user: { id: me.id },
        state: { returnTo: '/dashboard' },
      }));
    it('clears the cookie on the callback', () =>
      expect(callback.headers.getSetCookie()).to.deep.equal([
        `${COOKIE}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax`,
      ]));
    it('exchanges the code', () => expect(whop.token.isDone()).to.equal(true));
    it('loads the profile', () => expect(whop.profile.isDone()).to.equal(true));
  });

  describe('the cookie on http', () => {
    let app: CookieApp;
    let attributes: string[];
    beforeEach(async () => {
      app = await startCookieApp(new CookieStateStore({ secret: SECRET }));
      attributes = (await startLogin(app)).setCookie.split('; ').slice(1);
    });
    afterEach(() => app.close());

    it('is HttpOnly', () => expect(attributes).to.include('HttpOnly'));
    it('is SameSite=Lax', () => expect(attributes).to.include('SameSite=Lax'));
    it('is for the whole site', () => expect(attributes).to.include('Path=/'));
    it('lives 10 minutes', () => expect(attributes).to.include('Max-Age=600'));
    it('is not Secure', () => expect(attributes).not.to.include('Secure'));
  });

  describe('the cookie on https (behind a proxy)', () => {
    let app: CookieApp;
    let attributes: string[];
    let cleared: string[];
    let name: string;
    let clearedName: string;
    beforeEach(async () => {
      app = await startCookieApp(new CookieStateStore({ secret: SECRET }));
      const https = { 'x-forwarded-proto': 'https' };
      const started = await startLogin(app, https);
      attributes = started.setCookie.split('; ').slice(1);
      name = started.cookie.split('=')[0]!;
      const callback = await get(app, `/auth/whop/check?code=code_1&state=other`, {
        ...https,
        cookie: started.cookie,
      });
      const [clearing] = callback.headers.getSetCookie();
      cleared = clearing!.split('; ').slice(1);
      clearedName = clearing!.split('=')[0]!;
    });
    afterEach(() => app.close());

    it('is Secure', () => expect(attributes).to.include('Secure'));
    it('is cleared with Secure too', () => expect(cleared).to.include('Secure'));
    it('is named __Host-passport-whop.state, for the whole site, with no Domain', () => {
      expect(name).to.equal('__Host-passport-whop.state');
      expect(attributes).to.include('Path=/');
      expect(attributes.some((attribute) => /^domain=/i.test(attribute))).to.equal(false);
    });
    it('is cleared under that name', () => expect(clearedName).to.equal(name));
  });

  describe('a login on https (behind a proxy)', () => {
    let app: CookieApp;
    let body: unknown;
    let plainNamed: Outcome;
    beforeEach(async () => {
      app = await startCookieApp(new CookieStateStore({ secret: SECRET }));
      whopAnswers('code_1');
      const https = { 'x-forwarded-proto': 'https' };
      const started = await startLogin(app, https);
      const callback = await get(app, `/auth/whop/callback?code=code_1&state=${started.state}`, {
        ...https,
        cookie: started.cookie,
      });
      body = await callback.json();
      // The same value under the plain name (as a sibling subdomain could set it) is no cookie.
      const again = await startLogin(app, https);
      const plain = again.cookie.replace(/^__Host-/, '');
      const response = await get(app, `/auth/whop/check?code=code_2&state=${again.state}`, {
        ...https,
        cookie: plain,
      });
      plainNamed = (await response.json()) as Outcome;
    });
    afterEach(() => app.close());

    it('logs the user in', () =>
      expect(body).to.deep.equal({ user: { id: me.id }, state: { returnTo: '/dashboard' } }));
    it('reads no cookie without the __Host- prefix', () =>
      expect(plainNamed.info?.message).to.match(/^The login state cookie is missing/));
  });

  describe('the cookie’s contents', () => {
    const carried = { nonce: 'nonce_in_the_cookie_1234', state: { returnTo: '/private-place' } };
    let value: string;
    beforeEach(() => {
      const store = new CookieStateStore({ secret: SECRET });
      const redirect = exchange();
      store.store(redirect, 'verifier_in_the_cookie_5678', carried, META, () => undefined);
      const setCookie = (redirect.res.headers.get('set-cookie') as string[])[0]!;
      value = setCookie.split(';')[0]!.split('=').slice(1).join('=');
    });

    for (const secret of [
      'verifier_in_the_cookie_5678',
      'nonce_in_the_cookie_1234',
      'private-place',
    ]) {
      it(`hold ${secret} in no readable form (encrypted)`, () => {
        for (const decoded of [value, Buffer.from(value, 'base64url').toString('latin1')])
          expect(decoded).not.to.include(secret);
      });
    }
  });

  describe('when the secret is rotated', () => {
    const OLD = SECRET;
    const NEW = 'a new test secret of 32 characters';
    let opened: Outcome;
    let refused: Outcome;
    let sealedWithNew: Outcome;
    beforeEach(async () => {
      const before = await startCookieApp(new CookieStateStore({ secret: OLD }));
      const inFlight = await startLogin(before);
      const stale = await startLogin(before);
      await before.close();
      const rotated = await startCookieApp(new CookieStateStore({ secret: [NEW, OLD] }));
      whopAnswers('code_1');
      opened = await check(rotated, { code: 'code_1', state: inFlight.state }, inFlight.cookie);
      const fresh = await startLogin(rotated);
      await rotated.close();
      const newOnly = await startCookieApp(new CookieStateStore({ secret: NEW }));
      refused = await check(newOnly, { code: 'code_2', state: stale.state }, stale.cookie);
      whopAnswers('code_3');
      sealedWithNew = await check(newOnly, { code: 'code_3', state: fresh.state }, fresh.cookie);
      await newOnly.close();
    });

    it('opens a cookie sealed with the old secret while it is listed', () =>
      expect(opened.user).to.deep.equal({ id: me.id }));
    it('refuses it once the old secret is dropped', () =>
      expect(refused.info?.message).to.equal(
        'The login state cookie was tampered with: start the login again',
      ));
    it('seals new cookies with the first secret', () =>
      expect(sealedWithNew.user).to.deep.equal({ id: me.id }));
  });

  describe('when the cookie was tampered with', () => {
    let app: CookieApp;
    let tokenRequest: nock.Scope;
    let outcome: Outcome;
    beforeEach(async () => {
      app = await startCookieApp(new CookieStateStore({ secret: SECRET }));
      tokenRequest = forbiddenTokenRequest();
      const { cookie, state } = await startLogin(app);
      // Flip one character of the payload.
      const at = cookie.indexOf('=') + 5;
      const tampered =
        cookie.slice(0, at) + (cookie[at] === 'A' ? 'B' : 'A') + cookie.slice(at + 1);
      outcome = await check(app, { code: 'code_1', state }, tampered);
    });
    afterEach(() => app.close());

    it('fails the login with 403', () => expect(outcome).to.include({ user: false, status: 403 }));
    it('says so', () =>
      expect(outcome.info?.message).to.equal(
        'The login state cookie was tampered with: start the login again',
      ));
    it('makes no token request', () => expect(tokenRequest.isDone()).to.equal(false));
  });

  describe('when the cookie was signed with another secret', () => {
    let app: CookieApp;
    let tokenRequest: nock.Scope;
    let outcome: Outcome;
    beforeEach(async () => {
      const other = await startCookieApp(new CookieStateStore({ secret: SECRET.toUpperCase() }));
      const { cookie, state } = await startLogin(other);
      await other.close();
      app = await startCookieApp(new CookieStateStore({ secret: SECRET }));
      tokenRequest = forbiddenTokenRequest();
      outcome = await check(app, { code: 'code_1', state }, cookie);
    });
    afterEach(() => app.close());

    it('fails the login as tampered', () =>
      expect(outcome.info?.message).to.match(/^The login state cookie was tampered with/));
    it('makes no token request', () => expect(tokenRequest.isDone()).to.equal(false));
  });

  describe('when the cookie has expired', () => {
    let app: CookieApp;
    let tokenRequest: nock.Scope;
    let outcome: Outcome;
    beforeEach(async () => {
      let clock = Date.now();
      app = await startCookieApp(new CookieStateStore({ secret: SECRET, now: () => clock }));
      tokenRequest = forbiddenTokenRequest();
      const { cookie, state } = await startLogin(app);
      clock += TEN_MINUTES + 1;
      outcome = await check(app, { code: 'code_1', state }, cookie);
    });
    afterEach(() => app.close());

    it('fails the login with 403', () => expect(outcome).to.include({ user: false, status: 403 }));
    it('says so', () =>
      expect(outcome.info?.message).to.equal('The login took too long: start the login again'));
    it('makes no token request', () => expect(tokenRequest.isDone()).to.equal(false));
  });

  describe('at the expiry boundary', () => {
    let clock: number;
    let app: CookieApp;
    let started: Started;
    beforeEach(async () => {
      clock = Date.now();
      app = await startCookieApp(new CookieStateStore({ secret: SECRET, now: () => clock }));
      started = await startLogin(app);
    });
    afterEach(() => app.close());

    it('fails the login at exactly maxAge', async () => {
      clock += TEN_MINUTES;
      const outcome = await check(app, { code: 'code_1', state: started.state }, started.cookie);
      expect(outcome.info?.message).to.equal('The login took too long: start the login again');
    });
    it('still takes it a millisecond before', async () => {
      clock += TEN_MINUTES - 1;
      whopAnswers('code_1');
      const outcome = await check(app, { code: 'code_1', state: started.state }, started.cookie);
      expect(outcome.user).to.deep.equal({ id: me.id });
    });
  });

  describe('when the cookie is missing', () => {
    let app: CookieApp;
    let tokenRequest: nock.Scope;
    let outcome: Outcome;
    beforeEach(async () => {
      app = await startCookieApp(new CookieStateStore({ secret: SECRET }));
      tokenRequest = forbiddenTokenRequest();
      const { state } = await startLogin(app);
      outcome = await check(app, { code: 'code_1', state }, 'other=1');
    });
    afterEach(() => app.close());

    it('fails the login with 403', () => expect(outcome).to.include({ user: false, status: 403 }));
    it('says so', () =>
      expect(outcome.info?.message).to.match(
        /^The login state cookie is missing: start the login/,
      ));
    it('makes no token request', () => expect(tokenRequest.isDone()).to.equal(false));
  });

  describe('when the cookie is missing on the callback route', () => {
    let app: CookieApp;
    let tokenRequest: nock.Scope;
    let callback: Response;
    beforeEach(async () => {
      app = await startCookieApp(new CookieStateStore({ secret: SECRET }));
      tokenRequest = forbiddenTokenRequest();
      const { state } = await startLogin(app);
      callback = await get(app, `/auth/whop/callback?code=code_1&state=${state}`);
    });
    afterEach(() => app.close());

    it('sends the user to the failureRedirect', () => {
      expect(callback.status).to.equal(302);
      expect(callback.headers.get('location')).to.equal('/login');
    });
    it('makes no token request', () => expect(tokenRequest.isDone()).to.equal(false));
  });

  describe('when the state is not the cookie’s', () => {
    let app: CookieApp;
    let tokenRequest: nock.Scope;
    let outcome: Outcome;
    beforeEach(async () => {
      app = await startCookieApp(new CookieStateStore({ secret: SECRET }));
      tokenRequest = forbiddenTokenRequest();
      const { cookie } = await startLogin(app);
      const { state: other } = await startLogin(app);
      outcome = await check(app, { code: 'code_1', state: other }, cookie);
    });
    afterEach(() => app.close());

    it('fails the login with 403', () => expect(outcome).to.include({ user: false, status: 403 }));
    it('says so', () =>
      expect(outcome.info?.message).to.equal(
        'The state Whop returned does not match this login: start the login again',
      ));
    it('makes no token request', () => expect(tokenRequest.isDone()).to.equal(false));
  });

  describe('when the cookie is replayed', () => {
    let app: CookieApp;
    let whop: ReturnType<typeof whopAnswers>;
    let replayToken: nock.Scope;
    let first: Outcome;
    let replay: Outcome;
    beforeEach(async () => {
      app = await startCookieApp(new CookieStateStore({ secret: SECRET }));
      whop = whopAnswers('code_1');
      replayToken = forbiddenTokenRequest();
      const { cookie, state } = await startLogin(app);
      first = await check(app, { code: 'code_1', state }, cookie);
      // A fresh code, so that only the cookie can stop it.
      replay = await check(app, { code: 'code_2', state }, cookie);
    });
    afterEach(() => app.close());

    it('logs in the first time', () => expect(first.user).to.deep.equal({ id: me.id }));
    it('exchanges the first code', () => {
      expect(whop.token.isDone()).to.equal(true);
      expect(whop.profile.isDone()).to.equal(true);
    });
    it('fails the replay with 403', () => expect(replay).to.include({ user: false, status: 403 }));
    it('says the cookie was used', () =>
      expect(replay.info?.message).to.equal(
        'This login state cookie was already used: start the login again',
      ));
    it('makes no token request for the replay', () => expect(replayToken.isDone()).to.equal(false));
  });

  describe('when the used-cookie store fails', () => {
    let app: CookieApp;
    let tokenRequest: nock.Scope;
    let response: Response;
    beforeEach(async () => {
      const usedStore = { claim: () => Promise.reject(new Error('store down')) };
      app = await startCookieApp(new CookieStateStore({ secret: SECRET, usedStore }));
      tokenRequest = forbiddenTokenRequest();
      const { cookie, state } = await startLogin(app);
      response = await get(app, `/auth/whop/callback?code=code_1&state=${state}`, { cookie });
    });
    afterEach(() => app.close());

    it('ends the login with an error', () => expect(response.status).to.equal(500));
    it("ends it with the state step's InternalOAuthError", () =>
      expect(app.errors[0]?.message).to.equal(
        'Failed to check the login state: the state store failed: store down',
      ));
    it("keeps the store's error as the cause", () =>
      expect((app.errors[0] as { cause?: Error }).cause?.message).to.equal('store down'));
    it('makes no token request', () => expect(tokenRequest.isDone()).to.equal(false));
  });

  describe('when the used-cookie store never settles', () => {
    let app: CookieApp;
    let tokenRequest: nock.Scope;
    let response: Response;
    beforeEach(async () => {
      const usedStore = { claim: () => new Promise<boolean>(() => {}) };
      app = await startCookieApp(new CookieStateStore({ secret: SECRET, usedStore }), {
        timeout: 300,
      });
      tokenRequest = forbiddenTokenRequest();
      const { cookie, state } = await startLogin(app);
      response = await get(app, `/auth/whop/callback?code=code_1&state=${state}`, { cookie });
    });
    afterEach(() => app.close());

    it('ends the login with an error', () => expect(response.status).to.equal(500));
    it("names the state step and the strategy's timeout", () =>
      expect(app.errors[0]?.message).to.equal(
        'Failed to check the login state: timed out after 300 ms',
      ));
    it('makes no token request', () => expect(tokenRequest.isDone()).to.equal(false));
  });

  describe('called directly, with a PKCE verifier and state', () => {
    const carried = { whop: 1, company: 'biz_abc', nonce: 'n', state: { returnTo: '/x' } };
    let handle: string | undefined;
    let result: { ok?: boolean | string; state?: unknown };
    beforeEach(async () => {
      const store = new CookieStateStore({ secret: SECRET, usedStore: new MemoryCodeStore() });
      const redirect = exchange();
      store.store(redirect, 'verifier_abc', carried, META, (error, stored) => {
        if (error) throw error;
        handle = stored;
      });
      const setCookie = (redirect.res.headers.get('set-cookie') as string[])[0]!;
      const callback = exchange(`a=1; ${setCookie.split(';')[0]}; b=2`);
      result = await new Promise((resolve, reject) =>
        store.verify(callback, handle, (error, ok, state) =>
          error ? reject(error) : resolve({ ok, state }),
        ),
      );
    });

    it('answers the verifier as ok', () => expect(result.ok).to.equal('verifier_abc'));
    it('gives the state back unchanged', () => expect(result.state).to.deep.equal(carried));
  });

  describe('called directly, without a verifier', () => {
    let result: { ok?: boolean | string; state?: unknown };
    beforeEach(async () => {
      const store = new CookieStateStore({ secret: SECRET });
      const redirect = exchange();
      let handle: string | undefined;
      store.store(redirect, undefined, { whop: 1 }, META, (_error, stored) => (handle = stored));
      const setCookie = (redirect.res.headers.get('set-cookie') as string[])[0]!;
      result = await new Promise((resolve) =>
        store.verify(exchange(setCookie.split(';')[0]), handle, (_error, ok, state) =>
          resolve({ ok, state }),
        ),
      );
    });

    it('answers true', () => expect(result.ok).to.equal(true));
    it('gives the state back', () => expect(result.state).to.deep.equal({ whop: 1 }));
  });

  describe('called without req.res', () => {
    let failure: Error | null = null;
    beforeEach(() => {
      new CookieStateStore({ secret: SECRET }).store(
        { headers: {} },
        undefined,
        undefined,
        META,
        (error) => (failure = error),
      );
    });

    it('calls back an error', () =>
      expect(failure?.message).to.match(/needs the response as req\.res/));
  });
});

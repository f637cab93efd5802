import { expect } from 'chai';
import nock from 'nock';
import { checkCompany } from '../src/flow/callback.js';
import { LoginFailure } from '../src/flow/failure.js';
import { COMPANY_MISMATCH } from '../src/whop/error-codes.js';
import {
  AuthorizationError,
  WhopStrategy,
  withParams,
  type StateStore,
  type WhopStrategyOptions,
} from '../src/index.js';
import { MOCK_CLIENT, MOCK_USER, startMockWhop, type MockWhop } from '../src/testing/index.js';
import { Browser, startApp, type Outcome, type TestApp } from './support/app.js';
import { BASE, WHOP_DATA, whopAnswers } from './support/whop.js';

describe('checkCompany', () => {
  describe('the company Whop echoes (legacy flow)', () => {
    /** The failure's message, or undefined when the login goes on. */
    const check = (scope: unknown, company?: string) => {
      try {
        checkCompany(scope, company);
        return undefined;
      } catch (error) {
        expect(error).to.be.instanceOf(LoginFailure).and.include({ code: COMPANY_MISMATCH });
        return (error as Error).message;
      }
    };

    describe('when a login that asked for no company gets read_user back', () => {
      it('goes on to the exchange', () => expect(check('read_user')).to.equal(undefined));
    });
    describe('when a company login gets read_user and the company back', () => {
      it('goes on to the exchange', () =>
        expect(check('read_user biz_asked', 'biz_asked')).to.equal(undefined));
    });
    describe('when a company login gets only read_user back', () => {
      it('goes on to the exchange (no company echoed, as with no scope)', () =>
        expect(check('read_user', 'biz_asked')).to.equal(undefined));
    });
    describe('when read_user comes back beside another company', () => {
      it('fails, naming both companies', () =>
        expect(check('read_user biz_other', 'biz_asked')).to.equal(
          'Whop returned to a login for company biz_other, but biz_asked was requested',
        ));
    });
    describe('when a login that asked for no company gets one back', () => {
      it('fails', () => expect(check('read_user biz_other')).to.match(/biz_other/));
    });
    describe('when a malformed company comes back', () => {
      it('fails: anything starting with biz_ counts', () =>
        expect(check('biz_ab-c', 'biz_asked')).to.match(/company biz_ab-c/));
    });
    describe('when the companies come back comma-separated', () => {
      it('still finds the other one', () =>
        expect(check('biz_asked,biz_other', 'biz_asked')).to.match(/company biz_other,/));
    });
  });
});

describe('a legacy login against the mock Whop', () => {
  let whop: MockWhop;
  let app: TestApp;
  let verified: Array<Record<string, unknown>>;

  /** Log in through a real Express app and the mock's consent page; the outcome of the callback. */
  async function login(options: Partial<WhopStrategyOptions>, path = '/auth/whop') {
    verified = [];
    const strategy = new WhopStrategy(
      {
        ...MOCK_CLIENT,
        callbackURL: '/auth/whop/callback',
        authorizationURL: whop.authorizationURL,
        tokenURL: whop.tokenURL,
        userProfileURL: whop.userProfileURL,
        ...options,
      } as WhopStrategyOptions,
      withParams(async (_accessToken, _refreshToken, params, profile) => {
        verified.push({ ...params });
        return { id: profile.id };
      }),
    );
    app = await startApp(strategy);
    whop.addClient({ ...MOCK_CLIENT, redirectURIs: [`${app.url}/auth/whop/callback`] });
    const browser = new Browser(app.url);
    const { location } = await browser.startLogin(path);
    const back = new URL(await whop.approve(location));
    const outcome: Outcome = await browser.check(Object.fromEntries(back.searchParams));
    return { location, back, outcome };
  }

  beforeEach(async () => {
    whop = await startMockWhop();
  });
  afterEach(async () => {
    await app?.close();
    await whop.close();
  });

  describe('with scope: read_user, which Whop echoes', () => {
    let result: Awaited<ReturnType<typeof login>>;
    beforeEach(async () => {
      result = await login({ scope: 'read_user' });
    });

    it('asks for read_user', () =>
      expect(result.location.searchParams.get('scope')).to.equal('read_user'));
    it('gets read_user echoed', () =>
      expect(result.back.searchParams.get('scope')).to.equal('read_user'));
    it('logs in', () => expect(result.outcome.user).to.deep.equal({ id: MOCK_USER.id }));
    it('gives verify no company_id', () => expect(verified[0]).not.to.have.property('company_id'));
  });

  describe('with read_user and a company per request', () => {
    let result: Awaited<ReturnType<typeof login>>;
    beforeEach(async () => {
      result = await login({ scope: ['read_user'] }, '/auth/whop/company/biz_shop1');
    });

    it('asks for both', () =>
      expect(result.location.searchParams.get('scope')).to.equal('read_user biz_shop1'));
    it('logs in', () => expect(result.outcome.user).to.deep.equal({ id: MOCK_USER.id }));
    it('tells verify the company in params.company_id', () =>
      expect(verified[0]).to.include({ company_id: 'biz_shop1' }));
    it("passes Whop's created_at on in params", () =>
      expect(verified[0]!.created_at).to.be.a('number'));
  });

  describe("at Whop's /v5 endpoints (Auth.js, better-auth)", () => {
    it('logs in', async () => {
      const { outcome } = await login({
        tokenURL: `${whop.url}/v5/oauth/token`,
        userProfileURL: `${whop.url}/v5/me`,
      });
      expect([outcome.user, whop.requestCount('/v5/oauth/token')]).to.deep.equal([
        { id: MOCK_USER.id },
        1,
      ]);
    });
  });
});

/** A state store that counts the states it is asked to check. */
function countingStore() {
  const store = {
    verified: 0,
    store: (_req: unknown, _meta: unknown, done: (err: null, handle: string) => void) =>
      done(null, 'handle_1'),
    verify: (_req: unknown, provided: string, done: (err: null, ok: boolean) => void) => {
      store.verified += 1;
      done(null, provided === 'handle_1');
    },
  };
  return store;
}

describe('malformed and failed callbacks', () => {
  let app: TestApp;
  let browser: Browser;
  let store: ReturnType<typeof countingStore>;
  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  beforeEach(async () => {
    store = countingStore();
    const strategy = new WhopStrategy(
      { ...BASE, store: store as unknown as StateStore },
      async () => ({ id: 'u' }),
    );
    app = await startApp(strategy);
    browser = new Browser(app.url);
  });
  afterEach(async () => {
    nock.cleanAll();
    await app.close();
  });
  after(() => nock.enableNetConnect());

  /** The outcome of `/auth/whop/check` for a raw query string. */
  async function check(query: string): Promise<Outcome> {
    return (await (await browser.get(`/auth/whop/check?${query}`)).json()) as Outcome;
  }

  describe('with a parameter given twice or as an object', () => {
    for (const [name, query] of [
      ['code', 'code=a&code=b&state=handle_1'],
      ['state', 'code=code_1&state=handle_1&state=handle_1'],
      ['scope', 'code=code_1&state=handle_1&scope=biz_a&scope=biz_b'],
      ['error', 'error=access_denied&error=server_error'],
    ] as const) {
      describe(`(${query})`, () => {
        let outcome: Outcome;
        let token: nock.Scope;
        beforeEach(async () => {
          token = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, {});
          outcome = await check(query);
        });

        it('fails the login with status 400', () => expect(outcome.status).to.equal(400));
        it(`names the ${name} parameter`, () =>
          expect(outcome.info?.message).to.match(
            new RegExp(`^The callback's ${name} parameter must be one string`),
          ));
        it('consumes no state', () => expect(store.verified).to.equal(0));
        it('sends nothing to Whop', () => expect(token.isDone()).to.equal(false));
      });
    }
  });

  describe('with an overlong parameter', () => {
    for (const [name, query] of [
      ['code', `code=${'c'.repeat(4097)}&state=handle_1`],
      ['state', `code=code_1&state=${'s'.repeat(4097)}`],
    ] as const) {
      describe(`(a ${name} of 4,097 characters)`, () => {
        let outcome: Outcome;
        let token: nock.Scope;
        beforeEach(async () => {
          token = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, {});
          outcome = await check(query);
        });

        it('fails the login with status 400', () => expect(outcome.status).to.equal(400));
        it(`names the ${name} parameter and the limit`, () =>
          expect(outcome.info?.message).to.equal(
            `The callback's ${name} parameter must be one string of at most 4096 characters: start the login again`,
          ));
        it('consumes no state', () => expect(store.verified).to.equal(0));
        it('sends nothing to Whop', () => expect(token.isDone()).to.equal(false));
      });
    }

    describe('(a code of exactly 4,096 characters)', () => {
      it('is taken to the state check', async () => {
        await check(`code=${'c'.repeat(4096)}&state=handle_1`);
        expect(store.verified).to.equal(1);
      });
    });
  });

  describe('with a lone surrogate in a POSTed code', () => {
    let outcome: { message?: string; status?: number; error?: unknown };
    let token: nock.Scope;
    beforeEach(async () => {
      token = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, {});
      const strategy = new WhopStrategy(
        { ...BASE, store: store as unknown as StateStore },
        async () => ({ id: 'u' }),
      );
      outcome = await new Promise((resolve) => {
        // What passport does before authenticate(): the actions, on an instance of its own.
        const run = Object.assign(Object.create(strategy) as WhopStrategy, {
          fail: (info: { message: string }, status: number) => resolve({ ...info, status }),
          error: (error: unknown) => resolve({ error }),
          success: () => resolve({}),
          redirect: () => resolve({}),
        });
        const req = { query: {}, body: { code: 'code_\uD800', state: 'handle_1' }, headers: {} };
        run.authenticate(req as never);
      });
    });

    it('fails the login with status 400', () => expect(outcome.status).to.equal(400));
    it('names the code', () => expect(outcome.message).to.match(/^The callback's code parameter/));
    it('consumes no state', () => expect(store.verified).to.equal(0));
    it('sends nothing to Whop', () => expect(token.isDone()).to.equal(false));
  });

  describe('with Whop error access_denied and no description', () => {
    it('fails with a message naming the code', async () => {
      const outcome = await check('error=access_denied');
      expect(outcome.info?.message).to.equal('The user declined the login on Whop (access_denied)');
    });
  });

  describe('with Whop error server_error and no description', () => {
    let outcome: Outcome;
    beforeEach(async () => {
      outcome = await check('error=server_error');
    });

    it('ends in an AuthorizationError', () =>
      expect(app.errors[0]).to.be.instanceOf(AuthorizationError));
    it('whose message names the code', () =>
      expect(outcome.error?.message).to.equal(
        'Whop ended the login with error server_error and no description',
      ));
  });

  describe('with CR/LF in the error and its description', () => {
    let outcome: Outcome;
    beforeEach(async () => {
      outcome = await check(
        `error=${encodeURIComponent('bad\r\nInjected: 1')}&error_description=${encodeURIComponent('line\r\nInjected: 2')}`,
      );
    });

    it('escapes them in the message', () =>
      expect(outcome.error?.message).to.equal('line\\u000d\\u000aInjected: 2'));
    it('escapes them in the code', () =>
      expect(outcome.error?.code).to.equal('bad\\u000d\\u000aInjected: 1'));
  });

  describe('with control characters in the scope Whop echoes', () => {
    it('quotes it escaped', async () => {
      const strategy = new WhopStrategy({ ...BASE, scope: 'biz_asked1' }, async () => ({
        id: 'u',
      }));
      await app.close();
      app = await startApp(strategy);
      browser = new Browser(app.url);
      const { state } = await browser.startLogin();
      whopAnswers();
      const outcome = await browser.check({
        code: 'code_1',
        state: state!,
        scope: 'biz_x\u001b[31mY\u0000',
      });
      expect(outcome.info?.message).to.equal(
        'Whop returned to a login for company biz_x\\u001b[31mY\\u0000, but biz_asked1 was requested',
      );
    });
  });

  describe('with a bad X-Forwarded-Host and a relative callbackURL', () => {
    let response: Response;
    let token: nock.Scope;
    beforeEach(async () => {
      await app.close();
      const strategy = new WhopStrategy(
        { ...BASE, callbackURL: '/auth/whop/callback', proxy: true, state: false },
        async () => ({ id: 'u' }),
      );
      app = await startApp(strategy);
      token = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, {});
      response = await new Browser(app.url).get(
        '/auth/whop/check?code=code_secret_1&state=state_secret_1',
        { 'x-forwarded-host': '[::1' },
      );
    });

    it('fails the login with status 400', async () =>
      expect(((await response.json()) as Outcome).status).to.equal(400));
    it('raises no error', () => expect(app.errors).to.have.length(0));
    it('sends nothing to Whop', () => expect(token.isDone()).to.equal(false));
  });
});

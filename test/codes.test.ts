import { expect } from 'chai';
import nock from 'nock';
import { CodeStoreFullError, MemoryCodeStore, WhopStrategy, type CodeStore } from '../src/index.js';
import { Browser, startApp, type Outcome, type TestApp } from './support/app.js';
import { BASE, me, token, tokenForm, WHOP_API, WHOP_DATA } from './support/whop.js';

const TTL = 5 * 60 * 1000;

describe('MemoryCodeStore', () => {
  describe('a code claimed once', () => {
    it('is claimed', async () =>
      expect(await new MemoryCodeStore().claim('code_a', TTL)).to.equal(true));
  });

  describe('a code claimed twice', () => {
    let store: MemoryCodeStore;
    beforeEach(async () => {
      store = new MemoryCodeStore();
      await store.claim('code_a', TTL);
    });

    it('is refused the second time', async () =>
      expect(await store.claim('code_a', TTL)).to.equal(false));
    it('does not stop another code', async () =>
      expect(await store.claim('code_b', TTL)).to.equal(true));
  });

  describe('when a code has expired', () => {
    it('can be claimed again, and leaves the store', () => {
      const store = new MemoryCodeStore();
      store.claimNow('code_a', 1000, 0);
      expect(store.claimNow('code_b', 1000, 500)).to.equal(true);
      expect(store.claimNow('code_a', 1000, 1000)).to.equal(true);
      expect(store.size).to.equal(2);
    });
  });

  describe('when it is full of codes within their lifetime', () => {
    let store: MemoryCodeStore;
    let refusal: unknown;
    beforeEach(() => {
      store = new MemoryCodeStore({ maxCodes: 3 });
      for (const code of ['c1', 'c2', 'c3']) store.claimNow(code, TTL, 0);
      try {
        store.claimNow('c4', TTL, 1);
      } catch (error) {
        refusal = error;
      }
    });

    it('refuses a new code with a CodeStoreFullError', () =>
      expect(refusal).to.be.instanceOf(CodeStoreFullError));
    it('says what to do in the message', () =>
      expect((refusal as Error).message).to.equal(
        'MemoryCodeStore is full: 3 codes are within their lifetime (raise maxCodes, or share the load with a RedisCodeStore)',
      ));
    it('has a stable code', () =>
      expect((refusal as CodeStoreFullError).code).to.equal('CODE_STORE_FULL'));
    it('forgets none of them', () => {
      for (const code of ['c1', 'c2', 'c3'])
        expect(store.claimNow(code, TTL, 2), code).to.equal(false);
    });
    it('holds maxCodes', () => expect(store.size).to.equal(3));
    it('takes a code again once one expired', () =>
      expect(store.claimNow('c4', TTL, TTL + 1)).to.equal(true));
    it('takes a code again once one was released', async () => {
      await store.release('c2');
      expect(store.claimNow('c4', TTL, 2)).to.equal(true);
    });
    it('rejects claim() rather than throwing', async () => {
      const full = new MemoryCodeStore({ maxCodes: 1 });
      await full.claim('c1', TTL);
      const outcome = await full.claim('c2', TTL).then(
        () => 'claimed',
        (error: unknown) => error,
      );
      expect(outcome).to.be.instanceOf(CodeStoreFullError);
    });
  });

  describe('a released code', () => {
    let store: MemoryCodeStore;
    beforeEach(async () => {
      store = new MemoryCodeStore();
      await store.claim('code_a', TTL);
      await store.claim('code_b', TTL);
      await store.release('code_a');
    });

    it('leaves the store', () => expect(store.size).to.equal(1));
    it('can be claimed again', async () => expect(await store.claim('code_a', TTL)).to.equal(true));
    it('leaves the others', async () => expect(await store.claim('code_b', TTL)).to.equal(false));
    it('is a no-op when not held', async () => {
      await store.release('code_never');
      expect(store.size).to.equal(1);
    });
  });

  describe('options', () => {
    it('rejects a maxCodes that is not a positive integer', () =>
      expect(() => new MemoryCodeStore({ maxCodes: 0 })).to.throw(
        TypeError,
        'MemoryCodeStore requires maxCodes to be a positive integer',
      ));
  });
});

describe('the process code record', () => {
  describe('with two strategies in one app, one code replayed to both callbacks at once', () => {
    let apps: TestApp[];
    let tokenRequests: number;
    let outcomes: Outcome[];
    before(() => {
      nock.disableNetConnect();
      nock.enableNetConnect('127.0.0.1');
    });
    beforeEach(async () => {
      tokenRequests = 0;
      nock(WHOP_DATA)
        .post('/api/v3/oauth/token')
        .times(2)
        .reply(() => {
          tokenRequests += 1;
          return [200, token];
        });
      nock(WHOP_API).get('/api/v5/me').times(2).reply(200, me);
      // A user login and a company login: two strategies, each with the default code store.
      const user = new WhopStrategy({ ...BASE, state: false }, async () => ({ id: 'u' }));
      const company = new WhopStrategy(
        { ...BASE, state: false, scope: 'biz_company123' },
        async () => ({
          id: 'c',
        }),
      );
      apps = await Promise.all([startApp(user), startApp(company)]);
      outcomes = await Promise.all(
        apps.map((app) => new Browser(app.url).check({ code: 'code_replayed_1' })),
      );
    });
    afterEach(async () => {
      nock.cleanAll();
      await Promise.all(apps.map((app) => app.close()));
    });
    after(() => nock.enableNetConnect());

    it('sends the code to Whop once', () => expect(tokenRequests).to.equal(1));
    it('logs one of them in', () =>
      expect(outcomes.filter((outcome) => outcome.user)).to.have.length(1));
    it('fails the other as already used', () =>
      expect(outcomes.map((outcome) => outcome.info?.message)).to.include(
        'This authorization code was already used: start the login again',
      ));
  });
});

describe('the code record under a flood of junk codes', () => {
  // The attack, scaled down: a record of 64 codes, then 100 junk callbacks (codes Whop refuses),
  // then the victim's callback again (a reload). Before, junk stayed recorded and a full record
  // forgot its oldest code, so the reload sent the victim's code to Whop a second time.
  const MAX = 64;
  const JUNK = 100;
  let app: TestApp;
  let store: MemoryCodeStore;
  let victimExchanges: number;
  let junkOutcomes: Outcome[];
  let reload: Outcome;
  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  beforeEach(async () => {
    victimExchanges = 0;
    nock(WHOP_DATA)
      .post('/api/v3/oauth/token', (form: Record<string, string>) => form.code === 'code_victim')
      .times(2)
      .reply(() => {
        victimExchanges += 1;
        return [200, token];
      });
    nock(WHOP_DATA)
      .post('/api/v3/oauth/token', (form: Record<string, string>) => form.code!.startsWith('junk_'))
      .times(JUNK)
      .reply(400, { error: 'invalid_grant', error_description: 'Authorization code is invalid' });
    nock(WHOP_API).get('/api/v5/me').reply(200, me);
    store = new MemoryCodeStore({ maxCodes: MAX });
    const strategy = new WhopStrategy({ ...BASE, state: false, codeStore: store }, async () => ({
      id: 'u',
    }));
    app = await startApp(strategy);
    const browser = new Browser(app.url);
    await browser.check({ code: 'code_victim' });
    junkOutcomes = [];
    for (let i = 0; i < JUNK; i += 1) junkOutcomes.push(await browser.check({ code: `junk_${i}` }));
    reload = await browser.check({ code: 'code_victim' });
  });
  afterEach(async () => {
    nock.cleanAll();
    await app.close();
  });
  after(() => nock.enableNetConnect());

  it("sends the victim's code to Whop once", () => expect(victimExchanges).to.equal(1));
  it('refuses the reload as already used', () =>
    expect(reload.info?.message).to.equal(
      'This authorization code was already used: start the login again',
    ));
  it('sends every junk code to Whop (none is refused for want of room)', () =>
    expect(junkOutcomes.map((outcome) => outcome.error?.name)).to.deep.equal(
      Array(JUNK).fill('TokenError'),
    ));
  it('keeps only the code Whop accepted', () => expect(store.size).to.equal(1));
});

describe('releasing a code', () => {
  let app: TestApp;
  let released: string[];
  let claimed: string[];
  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(async () => {
    nock.cleanAll();
    await app.close();
  });
  after(() => nock.enableNetConnect());

  async function loginWith(
    store: CodeStore,
    reply: readonly [number, string | Readonly<Record<string, unknown>>],
  ): Promise<Outcome> {
    nock(WHOP_DATA).post('/api/v3/oauth/token').reply(reply[0], reply[1]);
    const strategy = new WhopStrategy({ ...BASE, state: false, codeStore: store }, async () => ({
      id: 'u',
    }));
    app = await startApp(strategy);
    return new Browser(app.url).check({ code: 'code_released_1' });
  }

  const recording: CodeStore = {
    claim: async (code) => (claimed.push(code), true),
    release: async (code) => void released.push(code),
  };
  beforeEach(() => {
    released = [];
    claimed = [];
  });

  for (const [why, reply] of [
    ['invalid_grant (400)', [400, { error: 'invalid_grant' }]],
    ['invalid_client (401)', [401, { error: 'invalid_client' }]],
    ['a 429', [429, { error: 'rate_limit_exceeded' }]],
    ['a 404 with a body of no known shape', [404, 'Not Found']],
  ] as const) {
    describe(`when Whop refuses it with ${why}`, () => {
      it('releases the code', async () => {
        await loginWith(recording, reply);
        expect(released).to.deep.equal(['code_released_1']);
      });
    });
  }

  for (const [why, reply] of [
    ['a 500', [500, { error: 'server_error' }]],
    ['a 502 with no body', [502, '']],
    ['a 200 that is not JSON', [200, '<html>']],
  ] as const) {
    describe(`when Whop answers ${why} (the code may be spent)`, () => {
      it('keeps the code', async () => {
        await loginWith(recording, reply);
        expect({ claimed, released }).to.deep.equal({ claimed: ['code_released_1'], released: [] });
      });
    });
  }

  describe('when the store has no release (written before it existed)', () => {
    it("fails the login with Whop's error as before", async () => {
      const outcome = await loginWith({ claim: async () => true }, [
        400,
        { error: 'invalid_grant' },
      ]);
      expect(outcome.error?.name).to.equal('TokenError');
    });
  });

  describe('when the release fails', () => {
    it("still reports Whop's error", async () => {
      const failing: CodeStore = {
        claim: async () => true,
        release: () => Promise.reject(new Error('store down')),
      };
      const outcome = await loginWith(failing, [400, { error: 'invalid_grant' }]);
      expect(outcome.error?.name).to.equal('TokenError');
    });
  });
});

describe('a login when the code record is full of live codes', () => {
  let app: TestApp;
  let outcome: Outcome;
  let secondToken: nock.Scope;
  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  beforeEach(async () => {
    nock(WHOP_DATA).post('/api/v3/oauth/token', tokenForm('code_full_1')).reply(200, token);
    nock(WHOP_API).get('/api/v5/me').reply(200, me);
    secondToken = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
    const codeStore = new MemoryCodeStore({ maxCodes: 1 });
    const strategy = new WhopStrategy({ ...BASE, state: false, codeStore }, async () => ({
      id: 'u',
    }));
    app = await startApp(strategy);
    const browser = new Browser(app.url);
    await browser.check({ code: 'code_full_1' });
    outcome = await browser.check({ code: 'code_full_2' });
  });
  afterEach(async () => {
    nock.cleanAll();
    await app.close();
  });
  after(() => nock.enableNetConnect());

  it('ends in an InternalOAuthError at the code step', () =>
    expect(outcome.error).to.deep.include({
      name: 'InternalOAuthError',
      message:
        'Failed to record the authorization code, so it was not exchanged: the code store failed',
    }));
  it('is caused by a CodeStoreFullError', () =>
    expect((app.errors[0] as Error & { cause?: unknown }).cause).to.be.instanceOf(
      CodeStoreFullError,
    ));
  it('does not send the new code', () => expect(secondToken.isDone()).to.equal(false));
});

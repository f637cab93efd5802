import { expect } from 'chai';
import nock from 'nock';
import { MemoryCodeStore, WhopStrategy } from '../src/index.js';
import { Browser, startApp, type Outcome, type TestApp } from './support/app.js';
import { BASE, me, token, WHOP_API, WHOP_DATA } from './support/whop.js';

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

  describe('when it is full', () => {
    let store: MemoryCodeStore;
    beforeEach(() => {
      store = new MemoryCodeStore({ maxCodes: 3 });
      for (const code of ['c1', 'c2', 'c3', 'c4']) store.claimNow(code, TTL, 0);
    });

    it('holds maxCodes', () => expect(store.size).to.equal(3));
    it('forgets the oldest', () => expect(store.claimNow('c1', TTL, 1)).to.equal(true));
    it('keeps the newer ones', () => expect(store.claimNow('c4', TTL, 1)).to.equal(false));
  });

  describe('under many claims, growth and expiry', () => {
    it('answers exactly as a plain map of live codes would', () => {
      const store = new MemoryCodeStore({ maxCodes: 5000 });
      const live = new Map<string, number>();
      let seed = 7;
      const random = () => (seed = (seed * 48271) % 2147483647);
      for (let now = 0; now < 20_000; now += 1) {
        const code = `code_${random() % 8000}`;
        for (const [k, expires] of live) if (expires <= now) live.delete(k);
        const expected = !live.has(code);
        if (expected) live.set(code, now + 3000);
        expect(store.claimNow(code, 3000, now), `${code} at ${now}`).to.equal(expected);
      }
      expect(store.size).to.equal(live.size);
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

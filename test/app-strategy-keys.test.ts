import { expect } from 'chai';
import { inspect } from 'node:util';
import { USER_TOKEN_SIGNATURE, WhopAppStrategy } from '../src/index.js';
import { createKey, type TestKey } from './support/id-tokens.js';
import { runStrategy, type Ending } from './support/run-strategy.js';
import { APP_ID, signUserToken, startKeyServer, type KeyServer } from './support/user-tokens.js';

const HOUR = 60 * 60 * 1000;

describe("WhopAppStrategy: Whop's keys", () => {
  let key: TestKey;
  let second: TestKey;
  let foreign: TestKey;
  let keys: KeyServer;
  let strategy: WhopAppStrategy;
  before(async () => {
    [key, second, foreign] = await Promise.all([
      createKey('whop-1'),
      createKey('whop-2'),
      createKey('attacker'),
    ]);
  });
  beforeEach(async () => {
    keys = await startKeyServer(key);
    strategy = new WhopAppStrategy({ appId: APP_ID, jwksURL: keys.jwksURL }, (user, done) =>
      done(null, { id: user.userId }),
    );
  });
  afterEach(() => keys.close());

  const request = (token: string) =>
    runStrategy(strategy, { headers: { 'x-whop-user-token': token } });
  const kinds = (endings: Ending[]) => [...new Set(endings.map((e) => e.kind))];

  describe('when many requests come', () => {
    let endings: Ending[];
    beforeEach(async () => {
      const token = await signUserToken(key);
      endings = await Promise.all(Array.from({ length: 30 }, () => request(token)));
      endings.push(await request(token));
    });

    it('lets each in', () => expect(kinds(endings)).to.deep.equal(['success']));
    it('fetches the keys once', () => expect(keys.fetches).to.equal(1));
  });

  describe('with a clock moved on (jose reads Date.now)', () => {
    const realNow = Date.now;
    let now: number;
    beforeEach(async () => {
      now = realNow();
      Date.now = () => now;
      await request(await signUserToken(key)); // the first fetch
    });
    afterEach(() => (Date.now = realNow));

    const burst = async () => {
      const tokens = await Promise.all(
        Array.from({ length: 25 }, (_, i) => signUserToken(foreign, {}, { kid: `forged-${i}` })),
      );
      return Promise.all(tokens.map(request));
    };

    it('a burst of unknown key IDs within 30 s of the fetch fetches nothing', async () => {
      now += 29_000;
      const endings = await burst();
      expect([kinds(endings), keys.fetches]).to.deep.equal([['fail'], 1]);
    });

    it('a burst after 30 s fetches once, then not again within 30 s', async () => {
      now += 31_000;
      await burst();
      now += 10_000;
      await burst();
      expect(keys.fetches).to.equal(2);
    });

    it('refuses each token of the burst as signed by no key of Whop', async () => {
      now += 31_000;
      const endings = await burst();
      expect(
        endings.map((e) => (e as { challenge?: { code?: string } }).challenge?.code),
      ).to.deep.equal(Array(25).fill(USER_TOKEN_SIGNATURE));
    });

    it('a key Whop added is fetched for the first token that names it after the cooldown', async () => {
      keys.keys = [key.jwk, second.jwk];
      now += 31_000;
      const ending = await request(
        await signUserToken(second, { exp: Math.floor(now / 1000) + 300 }),
      );
      expect([ending.kind, keys.fetches]).to.deep.equal(['success', 2]);
    });

    it('keeps the keys 12 hours', async () => {
      const far = { exp: Math.floor(now / 1000) + 24 * 3600 };
      now += 12 * HOUR - 1000;
      await request(await signUserToken(key, far));
      expect(keys.fetches).to.equal(1);
      now += 2000;
      await request(await signUserToken(key, far));
      expect(keys.fetches).to.equal(2);
    });
  });

  describe('with tokens without a kid (older Whop tokens)', () => {
    beforeEach(() => (keys.keys = [key.jwk, second.jwk]));

    it('tries each key: a token signed by the second key is let in', async () =>
      expect((await request(await signUserToken(second, {}, { kid: undefined }))).kind).to.equal(
        'success',
      ));
    it('a token signed by no key of Whop fails with 401', async () =>
      expect(await request(await signUserToken(foreign, {}, { kid: undefined }))).to.deep.include({
        kind: 'fail',
        status: 401,
      }));
    it('with one key in the set, uses it', async () => {
      keys.keys = [key.jwk];
      expect((await request(await signUserToken(key, {}, { kid: undefined }))).kind).to.equal(
        'success',
      );
    });
  });

  describe('when Whop cannot serve its keys', () => {
    let token: string;
    let ending: Ending;
    beforeEach(async () => {
      keys.status = 503;
      token = await signUserToken(key);
      ending = await request(token);
    });

    it('is an error, not a failure', () => expect(ending.kind).to.equal('error'));
    it("says Whop's keys could not be fetched", () =>
      expect((ending as { error: Error }).error.message).to.match(
        /^Failed to fetch Whop's signing keys: Whop answered HTTP 503/,
      ));
    it('does not quote the token', () =>
      expect(inspect((ending as { error: Error }).error)).not.to.include(token));
    it('tries again for the next request', async () => {
      keys.status = 200;
      expect((await request(token)).kind).to.equal('success');
    });
  });

  describe('when the key set is not JSON', () => {
    it('is an error', async () => {
      keys.keys = 'nope' as never;
      expect((await request(await signUserToken(key))).kind).to.equal('error');
    });
  });
});

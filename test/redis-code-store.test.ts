import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import nock from 'nock';
import { createClient } from 'redis';
import {
  InternalOAuthError,
  RedisCodeStore,
  WhopStrategy,
  type RedisClientLike,
  type RedisCodeStoreOptions,
} from '../src/index.js';
import { Browser, startApp, type TestApp } from './support/app.js';
import { BASE, me, token, tokenForm, WHOP_API, WHOP_DATA } from './support/whop.js';
import { requireRedisServer, startRedisServer, type RedisServer } from './support/redis.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A connected client of one of the two packages, and how to let it go. */
interface Connected {
  readonly client: RedisClientLike & NodeJS.EventEmitter;
  close(): Promise<void>;
}

interface ClientKind {
  readonly name: string;
  /** Connects with the package's defaults: commands queue while it reconnects. */
  connect(port: number): Promise<Connected>;
  /** Connects with commands failing at once while it is disconnected. */
  connectFailFast(port: number): Promise<Connected>;
}

const nodeRedis: ClientKind = {
  name: 'node-redis',
  connect: (port) => connectNodeRedis(port, false),
  connectFailFast: (port) => connectNodeRedis(port, true),
};
const ioredis: ClientKind = {
  name: 'ioredis',
  connect: (port) => connectIoRedis(port, true),
  connectFailFast: (port) => connectIoRedis(port, false),
};

async function connectNodeRedis(port: number, disableOfflineQueue: boolean): Promise<Connected> {
  const client = createClient({ url: `redis://127.0.0.1:${port}`, disableOfflineQueue });
  // node-redis throws an 'error' event nobody listens to: a stopped server must not crash mocha.
  client.on('error', () => undefined);
  await client.connect();
  return { client, close: async () => client.destroy() };
}

async function connectIoRedis(port: number, enableOfflineQueue: boolean): Promise<Connected> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, enableOfflineQueue });
  client.on('error', () => undefined);
  await client.connect();
  return { client, close: async () => client.disconnect() };
}

function strategy(store: RedisCodeStore): WhopStrategy {
  return new WhopStrategy(
    { ...BASE, codeStore: store },
    async (_accessToken, _refresh, profile) => ({
      id: profile.id,
    }),
  );
}

describe('RedisCodeStore', () => {
  describe('options', () => {
    const client = { isOpen: true, set: async () => 'OK', del: async () => 1 } as RedisClientLike;
    const construct = (options: RedisCodeStoreOptions) => () => new RedisCodeStore(client, options);

    it('requires a client', () =>
      expect(() => new RedisCodeStore(undefined as never)).to.throw(
        TypeError,
        'RedisCodeStore requires a client',
      ));
    it('rejects a client of neither package', () =>
      expect(
        () => new RedisCodeStore({ set: async () => 'OK', del: async () => 1 } as never),
      ).to.throw(
        TypeError,
        /RedisCodeStore requires a client of the redis .* or ioredis package; this one is neither/,
      ));
    it('requires a client with del() (the release)', () =>
      expect(() => new RedisCodeStore({ isOpen: true, set: async () => 'OK' } as never)).to.throw(
        TypeError,
        'RedisCodeStore requires a client',
      ));
    it('rejects a prefix that is not a string', () =>
      expect(construct({ prefix: 5 as never })).to.throw(
        TypeError,
        'RedisCodeStore requires the prefix option to be a string',
      ));
    it('rejects a timeout that is not positive', () =>
      expect(construct({ timeout: 0 })).to.throw(
        TypeError,
        'RedisCodeStore requires the timeout option to be a positive number of milliseconds',
      ));
    it('defaults the prefix', () =>
      expect(new RedisCodeStore(client).prefix).to.equal('passport-whop:code:'));
    it('defaults the timeout to 2 s', () =>
      expect(new RedisCodeStore(client).timeout).to.equal(2000));
    it('accepts a node-redis client', () =>
      expect(() => new RedisCodeStore(createClient())).not.to.throw());
    it('accepts an ioredis client', () =>
      expect(() => new RedisCodeStore(new Redis({ lazyConnect: true }))).not.to.throw());
  });

  describe('when the client never answers', () => {
    let failure: Error;
    beforeEach(async () => {
      const silent = {
        isOpen: true,
        set: () => new Promise<never>(() => undefined),
        del: async () => 1,
      };
      failure = await new RedisCodeStore(silent, { timeout: 20 }).claim('code_1', 1000).then(
        () => expect.fail('the claim resolved'),
        (error: Error) => error,
      );
    });

    it('rejects with the timeout', () =>
      expect(failure.message).to.equal('RedisCodeStore: Redis did not answer within 20 ms'));
  });

  describe('on a real redis-server', () => {
    let server: RedisServer | undefined;
    let inspector: Redis;

    before(async function () {
      server = await startRedisServer(requireRedisServer(this));
      inspector = new Redis(server.port, '127.0.0.1');
    });
    after(async () => {
      inspector?.disconnect();
      await server?.stop();
    });
    beforeEach(() => inspector.flushall());

    for (const kind of [nodeRedis, ioredis]) {
      describe(`with ${kind.name}`, () => {
        let connected: Connected;
        let store: RedisCodeStore;
        beforeEach(async () => {
          connected = await kind.connect(server!.port);
          store = new RedisCodeStore(connected.client);
        });
        afterEach(() => connected.close());

        describe('when a code is claimed twice', () => {
          let results: boolean[];
          beforeEach(async () => {
            results = [await store.claim('code_1', 60_000), await store.claim('code_1', 60_000)];
          });

          it('claims it the first time', () => expect(results[0]).to.equal(true));
          it('refuses it the second time', () => expect(results[1]).to.equal(false));
        });

        describe('when a claimed code is released', () => {
          let again: boolean;
          let keysAfter: string[];
          beforeEach(async () => {
            await store.claim('code_1', 60_000);
            await store.claim('code_2', 60_000);
            await store.release('code_1');
            keysAfter = await inspector.keys('*');
            again = await store.claim('code_1', 60_000);
          });

          it('deletes its key only', () =>
            expect(keysAfter).to.deep.equal([store.keyOf('code_2')]));
          it('can be claimed again', () => expect(again).to.equal(true));
        });

        describe('when 20 claims of one code race', () => {
          let results: boolean[];
          beforeEach(async () => {
            results = await Promise.all(
              Array.from({ length: 20 }, () => store.claim('code_1', 60_000)),
            );
          });

          it('exactly one wins', () => expect(results.filter(Boolean)).to.have.length(1));
        });

        describe('when a code is claimed', () => {
          const code = 'code_raw_secret_value';
          let keys: string[];
          beforeEach(async () => {
            await store.claim(code, 60_000);
            keys = await inspector.keys('*');
          });

          it('keys it by the prefix and the SHA-256 of the code', () =>
            expect(keys).to.deep.equal([`passport-whop:code:${sha256(code)}`]));
          it('keeps the raw code out of Redis', async () => {
            expect(keys[0]).not.to.include(code);
            expect(await inspector.get(keys[0]!)).to.equal('1');
          });
          it('sets the TTL', async () =>
            expect(await inspector.pttl(keys[0]!)).to.be.within(1, 60_000));
        });

        describe('with a custom prefix', () => {
          let keys: string[];
          beforeEach(async () => {
            await new RedisCodeStore(connected.client, { prefix: 'myapp:codes:' }).claim(
              'code_1',
              60_000,
            );
            keys = await inspector.keys('*');
          });

          it('keys codes under it', () =>
            expect(keys).to.deep.equal([`myapp:codes:${sha256('code_1')}`]));
        });

        describe('when the TTL has passed', () => {
          let first: boolean;
          let again: boolean;
          beforeEach(async () => {
            first = await store.claim('code_1', 30);
            // Redis expires the key; wait for that, not for a fixed time.
            while ((await inspector.exists(store.keyOf('code_1'))) === 1) await delay(5);
            again = await store.claim('code_1', 60_000);
          });

          it('had claimed the code', () => expect(first).to.equal(true));
          it('the key is gone and the code can be claimed again', () =>
            expect(again).to.equal(true));
        });
      });
    }

    describe('two strategies sharing one Redis, each behind its own Express app', () => {
      const code = 'code_shared';
      let clients: Connected[];
      let apps: TestApp[];
      let whop: { token: nock.Scope; profile: nock.Scope; secondToken: nock.Scope };
      let first: Response;
      let second: Response;
      let secondMessages: string[];

      before(() => {
        nock.disableNetConnect();
        nock.enableNetConnect('127.0.0.1');
      });
      after(() => nock.enableNetConnect());
      beforeEach(async () => {
        // Like two processes: a client of each package, one store each, one app each.
        clients = [await nodeRedis.connect(server!.port), await ioredis.connect(server!.port)];
        apps = await Promise.all(
          clients.map(({ client }) => startApp(strategy(new RedisCodeStore(client)))),
        );
        whop = {
          token: nock(WHOP_DATA).post('/api/v3/oauth/token', tokenForm(code)).reply(200, token),
          profile: nock(WHOP_API, {
            reqheaders: { authorization: `Bearer ${token.access_token}` },
          })
            .get('/api/v5/me')
            .reply(200, me),
          secondToken: nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token),
        };

        const browserA = new Browser(apps[0]!.url);
        const loginA = await browserA.startLogin();
        first = await browserA.get(`/auth/whop/callback?code=${code}&state=${loginA.state}`);

        const browserB = new Browser(apps[1]!.url);
        const loginB = await browserB.startLogin();
        second = await browserB.get(`/auth/whop/callback?code=${code}&state=${loginB.state}`);
        secondMessages = ((await (await browserB.get('/login')).json()) as { messages: string[] })
          .messages;
      });
      afterEach(async () => {
        nock.cleanAll();
        await Promise.all(apps.map((app) => app.close()));
        await Promise.all(clients.map((client) => client.close()));
      });

      it('the first app logs the user in', async () =>
        expect(await first.json()).to.deep.equal({ user: { id: me.id } }));
      it('the first app exchanges the code', () => expect(whop.token.isDone()).to.equal(true));
      it('the first app loads the profile', () => expect(whop.profile.isDone()).to.equal(true));
      it('the second app sends the user to the failure redirect', () => {
        expect(second.status).to.equal(302);
        expect(second.headers.get('location')).to.equal('/login');
      });
      it('the second app says the code was used', () =>
        expect(secondMessages).to.deep.equal([
          'This authorization code was already used: start the login again',
        ]));
      it('the second app makes no token request', () =>
        expect(whop.secondToken.isDone()).to.equal(false));
    });

    describe('when Whop refuses a code claimed in Redis', () => {
      let connected: Connected;
      let app: TestApp;
      let store: RedisCodeStore;
      let keys: string[];
      before(() => {
        nock.disableNetConnect();
        nock.enableNetConnect('127.0.0.1');
      });
      after(() => nock.enableNetConnect());
      beforeEach(async () => {
        connected = await nodeRedis.connect(server!.port);
        store = new RedisCodeStore(connected.client);
        app = await startApp(strategy(store));
        nock(WHOP_DATA).post('/api/v3/oauth/token', tokenForm('junk_1')).reply(400, {
          error: 'invalid_grant',
          error_description: 'Authorization code is invalid',
        });
        const browser = new Browser(app.url);
        const { state } = await browser.startLogin();
        await browser.get(`/auth/whop/callback?code=junk_1&state=${state}`);
        keys = await inspector.keys('*');
      });
      afterEach(async () => {
        nock.cleanAll();
        await app.close();
        await connected.close();
      });

      it('releases it: no key is left', () => expect(keys).to.deep.equal([]));
    });

    describe('when Redis goes down', () => {
      before(() => {
        nock.disableNetConnect();
        nock.enableNetConnect('127.0.0.1');
      });
      after(() => nock.enableNetConnect());

      const cases = [
        { kind: nodeRedis, failFast: false },
        { kind: ioredis, failFast: false },
        { kind: nodeRedis, failFast: true },
        { kind: ioredis, failFast: true },
      ];
      for (const { kind, failFast } of cases) {
        const queue = failFast ? 'without an offline queue' : 'with the offline queue (default)';
        describe(`with ${kind.name}, ${queue}`, () => {
          let down: RedisServer;
          let connected: Connected;
          let app: TestApp;
          let tokenRequest: nock.Scope;
          let response: Response;
          beforeEach(async function () {
            // A server of its own, so the shared one stays up for the other suites.
            down = await startRedisServer(requireRedisServer(this));
            connected = await (failFast ? kind.connectFailFast : kind.connect)(down.port);
            app = await startApp(strategy(new RedisCodeStore(connected.client, { timeout: 300 })));
            tokenRequest = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
            const browser = new Browser(app.url);
            const { state } = await browser.startLogin();

            // Not events.once: it rejects on the 'error' event node-redis emits first.
            const reconnecting = new Promise((resolve) =>
              connected.client.once('reconnecting', resolve),
            );
            await down.stop();
            await reconnecting;
            response = await browser.get(`/auth/whop/callback?code=code_1&state=${state}`);
          });
          afterEach(async () => {
            nock.cleanAll();
            await app.close();
            await connected.close();
            await down.stop();
          });

          it('ends the login with a 500', () => expect(response.status).to.equal(500));
          it('hands the error handler an InternalOAuthError', () =>
            expect(app.errors[0])
              .to.be.instanceOf(InternalOAuthError)
              .with.property(
                'message',
                'Failed to record the authorization code, so it was not exchanged: the code store failed',
              ));
          if (failFast) {
            it("carries the client's own error", () =>
              expect((app.errors[0] as InternalOAuthError).oauthError)
                .to.be.instanceOf(Error)
                .and.not.have.property(
                  'message',
                  'RedisCodeStore: Redis did not answer within 300 ms',
                ));
          } else {
            it('carries the timeout', () =>
              expect((app.errors[0] as InternalOAuthError).oauthError).to.have.property(
                'message',
                'RedisCodeStore: Redis did not answer within 300 ms',
              ));
          }
          it('makes no token request', () => expect(tokenRequest.isDone()).to.equal(false));
        });
      }
    });
  });
});

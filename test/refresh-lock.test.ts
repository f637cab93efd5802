import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import {
  InternalOAuthError,
  RedisRefreshLock,
  refreshAccessToken,
  TokenError,
  WhopStrategy,
  type RedisRefreshLockOptions,
  type RedisScriptClientLike,
  type WhopTokenParams,
  type WhopTokens,
} from '../src/index.js';
import refresh from 'passport-oauth2-refresh';
import { refreshSecrets, seal, unseal } from '../src/stores/sealed-refresh.js';
import { startMockWhop, type MockWhop } from '../src/testing/index.js';
import { mockLogin } from './support/mock-tokens.js';
import { requireRedisServer, startRedisServer, type RedisServer } from './support/redis.js';
import { rejection } from './support/rejection.js';

const REFRESH_PATH = '/api/v3/oauth/token';
const refreshes = (whop: MockWhop) => whop.requestCount(REFRESH_PATH, 'refresh_token');

interface ClientKind {
  readonly name: string;
  /** A client whose commands fail at once while it is disconnected. */
  connect(port: number): Promise<{ client: RedisScriptClientLike; close(): void }>;
}

const KINDS: readonly ClientKind[] = [
  {
    name: 'node-redis',
    async connect(port) {
      const client = createClient({ url: `redis://127.0.0.1:${port}`, disableOfflineQueue: true });
      client.on('error', () => undefined);
      await client.connect();
      return { client, close: () => client.destroy() };
    },
  },
  {
    name: 'ioredis',
    async connect(port) {
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true, enableOfflineQueue: false });
      client.on('error', () => undefined);
      await client.connect();
      return { client, close: () => client.disconnect() };
    },
  },
];

describe('RedisRefreshLock', () => {
  describe('options', () => {
    const client = { isOpen: true, eval: async () => null } as RedisScriptClientLike;
    const construct = (options: RedisRefreshLockOptions) => () =>
      new RedisRefreshLock(client, options);

    it('requires a client', () =>
      expect(() => new RedisRefreshLock(undefined as never)).to.throw(
        TypeError,
        'RedisRefreshLock requires a client: a connected client of the redis (node-redis v4 or later) or ioredis package',
      ));
    it('rejects a client of neither package', () =>
      expect(() => new RedisRefreshLock({ eval: async () => null } as never)).to.throw(
        TypeError,
        /RedisRefreshLock requires a client of the redis .* or ioredis package; this one is neither/,
      ));
    it('rejects options that are not an object', () =>
      expect(construct(null as never)).to.throw(
        TypeError,
        'RedisRefreshLock requires options to be an object',
      ));
    it('rejects a prefix that is not a string', () =>
      expect(construct({ prefix: 5 as never })).to.throw(
        TypeError,
        'RedisRefreshLock requires the prefix option to be a string',
      ));
    it('rejects a resultTTL under 1 ms', () =>
      expect(construct({ resultTTL: 0 })).to.throw(
        TypeError,
        'RedisRefreshLock requires the resultTTL option to be a number of milliseconds, 1 or more',
      ));
    it('rejects a timeout that is not a number', () =>
      expect(construct({ timeout: '2000' as never })).to.throw(
        TypeError,
        'RedisRefreshLock requires the timeout option to be a number of milliseconds, 1 or more',
      ));
    it('defaults the prefix, the resultTTL (60 s) and the timeout (2 s)', () =>
      expect({ ...new RedisRefreshLock(client) }).to.include({
        prefix: 'passport-whop:refresh:',
        resultTTL: 60_000,
        timeout: 2000,
      }));
    it('accepts a node-redis client', () =>
      expect(() => new RedisRefreshLock(createClient())).not.to.throw());
    it('accepts an ioredis client', () =>
      expect(() => new RedisRefreshLock(new Redis({ lazyConnect: true }))).not.to.throw());
    it('is refused by WhopStrategy when it has no coordinate method', () =>
      expect(
        () =>
          new WhopStrategy(
            { clientID: 'app_x', clientSecret: 's', callbackURL: '/cb', refreshLock: {} as never },
            async () => ({}),
          ),
      ).to.throw(
        TypeError,
        'WhopStrategy requires the refreshLock option to be a RedisRefreshLock (an object with a coordinate(refresh) method)',
      ));
  });

  describe('the sealed outcome', () => {
    const tokens = {
      accessToken: 'at_new',
      refreshToken: 'rt_new',
      tokenType: 'bearer',
      params: { access_token: 'at_new' },
    } as WhopTokens;
    const secrets = refreshSecrets('rt_old', undefined);
    const sealed = seal(secrets, 'k:result', 'owner1', { tokens });

    it('opens with the old refresh token', () =>
      expect(unseal(secrets, 'k:result', sealed)).to.deep.equal({ tokens }));
    it('holds no token in clear', () => expect(sealed).not.to.match(/at_new|rt_new|rt_old/));
    it('does not open with another refresh token', () =>
      expect(() => unseal(refreshSecrets('rt_other', undefined), 'k:result', sealed)).to.throw(
        'the shared result does not open with this refresh token',
      ));
    it('does not open under another key', () =>
      expect(() => unseal(secrets, 'other:result', sealed)).to.throw(/does not open/));
    it('does not open relabelled as an error', () =>
      expect(() => unseal(secrets, 'k:result', sealed.replace(/^ok:/, 'err:'))).to.throw(
        /does not open/,
      ));
    it('derives another ID for another company', () =>
      expect(refreshSecrets('rt_old', 'biz_1').id).not.to.equal(secrets.id));
  });

  describe('when the client never answers', () => {
    let failure: Error;
    beforeEach(async () => {
      const silent = { isOpen: true, eval: () => new Promise<never>(() => undefined) };
      const strategy = new WhopStrategy(
        {
          clientID: 'app_x',
          clientSecret: 's',
          callbackURL: '/cb',
          refreshLock: new RedisRefreshLock(silent, { timeout: 20 }),
        },
        async () => ({}),
      );
      failure = await rejection(refreshAccessToken(strategy, 'rt_1'));
    });

    it('rejects with an InternalOAuthError naming the lock', () =>
      expect(failure)
        .to.be.instanceOf(InternalOAuthError)
        .with.property(
          'message',
          'Failed to refresh access token: the refresh lock failed (Redis did not answer within 20 ms)',
        ));
  });

  describe('on a real redis-server', () => {
    let server: RedisServer;
    let admin: Redis;
    let whop: MockWhop;

    before(async function () {
      server = await startRedisServer(requireRedisServer(this));
      admin = new Redis(server.port, '127.0.0.1');
      whop = await startMockWhop({ refreshTokenReuse: 'revoke' });
    });
    after(async () => {
      admin?.disconnect();
      await whop?.close();
      await server?.stop();
    });
    beforeEach(() => admin.flushall());

    for (const kind of KINDS) {
      describe(`with ${kind.name}`, () => {
        let connected: Awaited<ReturnType<ClientKind['connect']>>;
        /** Two strategies with one lock each: two processes, as far as the lock can tell. */
        const strategies = (timeout = 10_000) =>
          [0, 1].map(
            () =>
              new WhopStrategy(
                {
                  ...whop.strategyOptions(),
                  timeout,
                  refreshLock: new RedisRefreshLock(connected.client),
                },
                async () => ({}),
              ),
          );
        beforeEach(async () => {
          connected = await kind.connect(server.port);
        });
        afterEach(() => connected.close());

        describe('when two "processes" refresh one token five times each, at once', () => {
          let outcomes: WhopTokens[];
          let counted: number;
          beforeEach(async () => {
            const { refresh_token } = await mockLogin(whop);
            counted = refreshes(whop);
            outcomes = await Promise.all(
              strategies().flatMap((strategy) =>
                Array.from({ length: 5 }, () => refreshAccessToken(strategy, refresh_token)),
              ),
            );
          });

          it('asks Whop once', () => expect(refreshes(whop) - counted).to.equal(1));
          it('gives every call the same tokens', () => {
            for (const tokens of outcomes) expect(tokens).to.deep.equal(outcomes[0]);
          });
          it('keeps the outcome for resultTTL, not the lock', async () => {
            const keys = await admin.keys('*');
            expect(keys)
              .to.have.length(1)
              .and.to.match(/^passport-whop:refresh:\{[0-9a-f]+\}:result$/);
            expect(await admin.pttl(keys[0]!)).to.be.within(1, 60_000);
          });
        });

        describe('when passport-oauth2-refresh and refreshAccessToken refresh one token at once', () => {
          let viaLibrary: { accessToken?: string; rotated?: string; params?: WhopTokenParams };
          let viaFunction: WhopTokens;
          let counted: number;
          beforeEach(async () => {
            const { refresh_token } = await mockLogin(whop);
            const [one, two] = strategies();
            refresh.use('whop-lock-test', one!);
            counted = refreshes(whop);
            [viaLibrary, viaFunction] = await Promise.all([
              new Promise<typeof viaLibrary>((resolve, reject) =>
                refresh.requestNewAccessToken(
                  'whop-lock-test',
                  refresh_token,
                  (err, accessToken, rotated, params) =>
                    err
                      ? reject(err as Error)
                      : resolve({ accessToken, rotated, params: params as WhopTokenParams }),
                ),
              ),
              refreshAccessToken(two!, refresh_token),
            ]);
          });

          it('asks Whop once', () => expect(refreshes(whop) - counted).to.equal(1));
          it('gives both the same tokens', () =>
            expect([viaLibrary.accessToken, viaLibrary.rotated]).to.deep.equal([
              viaFunction.accessToken,
              viaFunction.refreshToken,
            ]));
          it("gives passport-oauth2-refresh the params' expires_at", () =>
            expect(viaLibrary.params?.expires_at).to.equal(viaFunction.expiresAt));
        });

        describe('when a later caller still has the old refresh token', () => {
          let first: WhopTokens;
          let late: WhopTokens;
          let counted: number;
          beforeEach(async () => {
            const { refresh_token } = await mockLogin(whop);
            const [one, two] = strategies();
            counted = refreshes(whop);
            first = await refreshAccessToken(one!, refresh_token);
            late = await refreshAccessToken(two!, refresh_token);
          });

          it('gives it the new tokens, without asking Whop', () => {
            expect(late).to.deep.equal(first);
            expect(refreshes(whop) - counted).to.equal(1);
          });
        });

        describe("when the holder's request to Whop times out", () => {
          let failures: Error[];
          let counted: number;
          beforeEach(async function () {
            // Generous: the waiter must see the holder's error well within its own timeout, even
            // on a loaded machine.
            this.timeout(60_000);
            const { refresh_token } = await mockLogin(whop);
            // A timeout of 20 s: a lease of 10 s, and the holder's request gets 9 s of it.
            const [holder, waiter] = strategies(20_000);
            const held = whop.holdTokenRequests();
            const holding = rejection(refreshAccessToken(holder!, refresh_token));
            await held;
            const waiting = rejection(refreshAccessToken(waiter!, refresh_token));
            failures = await Promise.all([holding, waiting]);
            counted = refreshes(whop);
            await refreshAccessToken(waiter!, refresh_token);
          });

          it('gives the holder an InternalOAuthError', () =>
            expect(failures[0])
              .to.be.instanceOf(InternalOAuthError)
              .with.property('message', 'Failed to refresh access token: timed out after 9000 ms'));
          it('gives the waiter the same error', () =>
            expect(failures[1])
              .to.be.instanceOf(InternalOAuthError)
              .with.property('message', failures[0]!.message));
          it('releases the lock: the next call asks Whop', () =>
            expect(refreshes(whop) - counted).to.equal(1));
        });

        describe('when Whop refuses the refresh token', () => {
          let failure: Error;
          beforeEach(async () => {
            failure = await rejection(refreshAccessToken(strategies()[0]!, 'rt_unknown'));
          });

          it('rejects with the TokenError', () =>
            expect(failure).to.be.instanceOf(TokenError).with.property('code', 'invalid_grant'));
          it('leaves no lock behind', async () =>
            expect(await admin.keys('*:lock')).to.deep.equal([]));
        });

        describe('when another process holds the lock past the timeout', () => {
          let failure: Error;
          let counted: number;
          beforeEach(async () => {
            const { id } = refreshSecrets('rt_locked', undefined);
            await admin.set(`passport-whop:refresh:{${id}}:lock`, 'other', 'PX', 60_000);
            counted = refreshes(whop);
            failure = await rejection(refreshAccessToken(strategies(300)[0]!, 'rt_locked'));
          });

          it('gives up at the timeout', () =>
            expect(failure)
              .to.be.instanceOf(InternalOAuthError)
              .with.property(
                'message',
                "Failed to refresh access token: timed out after 300 ms waiting for another process's refresh of this token",
              ));
          it('does not ask Whop', () => expect(refreshes(whop)).to.equal(counted));
        });
      });
    }

    describe('when Redis is down', () => {
      let failure: Error;
      let counted: number;
      let took: number;
      beforeEach(async function () {
        const doomed = await startRedisServer(requireRedisServer(this));
        const { client, close } = await KINDS[0]!.connect(doomed.port);
        await doomed.stop();
        const strategy = new WhopStrategy(
          { ...whop.strategyOptions(), refreshLock: new RedisRefreshLock(client) },
          async () => ({}),
        );
        counted = refreshes(whop);
        const started = Date.now();
        failure = await rejection(refreshAccessToken(strategy, 'rt_any'));
        took = Date.now() - started;
        close();
      });

      it('rejects with an InternalOAuthError naming the lock', () =>
        expect(failure)
          .to.be.instanceOf(InternalOAuthError)
          .with.property('message')
          .that.matches(
            /^Failed to refresh access token: the refresh lock failed \(Redis failed: /,
          ));
      it('does not ask Whop', () => expect(refreshes(whop)).to.equal(counted));
      // A client that fails at once while disconnected: no waiting for the lock's 2 s timeout.
      it('fails at once', () => expect(took).to.be.below(1500));
    });
  });
});

import { expect } from 'chai';
import { Redis } from 'ioredis';
import { startMockWhop, type MockWhop } from '../src/testing/index.js';
import { accessWorks, mockLogin, refreshAtMock } from './support/mock-tokens.js';
import { requireRedisServer, startRedisServer, type RedisServer } from './support/redis.js';
import type { CallOutcome, RefreshProcessReport } from './support/refresh-process.js';
import { RefreshProcess } from './support/refresh-processes.js';

const REFRESH_PATH = '/api/v3/oauth/token';
/** The strategy's timeout in the processes: the lock's lease is half of it. */
const TIMEOUT_MS = 8000;
const PROCESSES = 3;
const CALLS = 10;

const refreshes = (whop: MockWhop) => whop.requestCount(REFRESH_PATH, 'refresh_token');
const tokensOf = (outcome: CallOutcome) => ('error' in outcome ? undefined : outcome);

/** Every key and string value in Redis, for the check that no token is in it. */
async function everythingIn(admin: Redis): Promise<string> {
  const keys = await admin.keys('*');
  const values = await Promise.all(keys.map((key) => admin.get(key)));
  return [...keys, ...values].join('\n');
}

describe('RedisRefreshLock across processes', function () {
  // Each process loads the package through tsx: seconds on a busy machine.
  this.timeout(120_000);
  let redis: RedisServer;
  let admin: Redis;
  let whop: MockWhop;

  before(async function () {
    redis = await startRedisServer(requireRedisServer(this));
    admin = new Redis(redis.port, '127.0.0.1');
    whop = await startMockWhop({ refreshTokenReuse: 'revoke' });
  });
  after(async () => {
    admin?.disconnect();
    await whop?.close();
    await redis?.stop();
  });

  const start = (client: 'node-redis' | 'ioredis', lock: boolean) =>
    Promise.all(
      Array.from({ length: PROCESSES }, () =>
        RefreshProcess.start({
          strategy: { ...whop.strategyOptions(), timeout: TIMEOUT_MS },
          redisURL: redis.url,
          client,
          lock,
          calls: CALLS,
          // With the lock, half the calls go through passport-oauth2-refresh: one path for both.
          passportRefresh: lock,
        }),
      ),
    );

  describe('without a lock (the race)', () => {
    let processes: RefreshProcess[];
    let login: Awaited<ReturnType<typeof mockLogin>>;
    let outcomes: CallOutcome[];
    let counted: number;
    before(async () => {
      processes = await start('node-redis', false);
      login = await mockLogin(whop);
      counted = refreshes(whop);
      const reports = await Promise.all(processes.map((p) => p.refresh(login.refresh_token)));
      outcomes = reports.flatMap((report) => report.outcomes);
    });
    after(() => Promise.all(processes.map((p) => p.stop())));

    it('sends the refresh token to Whop once per process', () =>
      expect(refreshes(whop) - counted).to.equal(PROCESSES));
    it('fails the processes that came second with invalid_grant', () =>
      expect(
        outcomes.filter((o) => 'error' in o && o.error.code === 'invalid_grant'),
      ).to.have.length((PROCESSES - 1) * CALLS));
    it("ends the user's connection: the first process's new tokens are revoked", async () => {
      const winner = outcomes.map(tokensOf).find(Boolean)!;
      expect((await refreshAtMock(whop, winner.refreshToken)).error).to.equal('invalid_grant');
    });
  });

  for (const client of ['node-redis', 'ioredis'] as const) {
    describe(`with a RedisRefreshLock (${client})`, () => {
      let processes: RefreshProcess[];
      before(async () => {
        processes = await start(client, true);
      });
      after(() => Promise.all(processes.map((p) => p.stop())));

      describe(`${PROCESSES} processes × ${CALLS} concurrent calls for one refresh token (half through passport-oauth2-refresh)`, () => {
        let login: Awaited<ReturnType<typeof mockLogin>>;
        let outcomes: CallOutcome[];
        let counted: number;
        before(async () => {
          login = await mockLogin(whop);
          counted = refreshes(whop);
          const reports = await Promise.all(processes.map((p) => p.refresh(login.refresh_token)));
          outcomes = reports.flatMap((report) => report.outcomes);
        });

        it('make one request to Whop', () => expect(refreshes(whop) - counted).to.equal(1));
        it('all get the same new tokens', () => {
          const first = tokensOf(outcomes[0]!);
          expect(first?.refreshToken).to.be.a('string').and.not.equal(login.refresh_token);
          expect(outcomes).to.have.length(PROCESSES * CALLS);
          for (const outcome of outcomes) expect(outcome).to.deep.equal(first);
        });
        it('leave the new tokens working (no reuse was detected)', async () => {
          const tokens = tokensOf(outcomes[0]!)!;
          expect(await accessWorks(whop, tokens.accessToken)).to.equal(true);
        });
        it('leave no token in Redis in clear', async () => {
          const stored = await everythingIn(admin);
          const tokens = tokensOf(outcomes[0]!)!;
          expect(stored).to.include(':result'); // the outcome is there, sealed
          for (const token of [login.refresh_token, tokens.accessToken, tokens.refreshToken])
            expect(stored).not.to.include(token);
        });
        it('leave no lock behind', async () =>
          expect(await admin.keys('*:lock')).to.deep.equal([]));
      });

      describe('when Whop refuses the refresh token', () => {
        let outcomes: CallOutcome[];
        before(async () => {
          const reports = await Promise.all(processes.map((p) => p.refresh('rt_unknown_token')));
          outcomes = reports.flatMap((report) => report.outcomes);
        });

        it('every call gets the same TokenError', () => {
          for (const outcome of outcomes)
            expect(outcome).to.deep.equal({
              error: {
                name: 'TokenError',
                code: 'invalid_grant',
                message: 'Refresh token is invalid',
              },
            });
        });
        it('leaves no lock behind', async () =>
          expect(await admin.keys('*:lock')).to.deep.equal([]));
      });

      // Last: it kills the first process.
      describe('when the process holding the lock dies mid-refresh', () => {
        let report: RefreshProcessReport;
        let leaseEnd: number;
        let counted: number;
        before(async () => {
          const login = await mockLogin(whop);
          counted = refreshes(whop);
          const held = whop.holdTokenRequests();
          processes[0]!.refresh(login.refresh_token).catch(() => undefined);
          await held;
          const [lock] = await admin.keys('*:lock');
          // Read before PTTL is asked: the lease ends no earlier than this.
          const asked = Date.now();
          leaseEnd = asked + (await admin.pttl(lock!));
          await processes[0]!.kill();
          report = await processes[1]!.refresh(login.refresh_token);
        });

        it('another process takes over and refreshes', () =>
          expect(tokensOf(report.outcomes[0]!)?.accessToken).to.be.a('string'));
        it('only once its lease has ended', () => {
          const answered = whop.requests.filter((r) => r.grantType === 'refresh_token').at(-1)!;
          // The mock's clock is Date.now; PTTL is whole milliseconds.
          expect(answered.at).to.be.at.least(leaseEnd - 1);
        });
        it('with one request to Whop that was answered', () =>
          expect(refreshes(whop) - counted).to.equal(1));
      });
    });
  }
});

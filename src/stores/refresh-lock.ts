import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { WhopTokens } from '../refresh.js';
import { REFRESH_LOCK_FAILED, TIMED_OUT } from '../whop/error-codes.js';
import { internalError } from '../whop/errors.js';
import { scriptRunner, type RedisScriptClientLike, type RunScript } from './redis-clients.js';
import { refreshSecrets, seal, unseal, type RefreshSecrets } from './sealed-refresh.js';

/** One refresh for a {@link RefreshLock} to run in at most one process at a time. */
export interface LockedRefresh {
  /** The refresh token being used. */
  readonly refreshToken: string;
  /** The company (`biz_...`) the refresh token was granted for, if any. */
  readonly companyId?: string;
  /** Milliseconds the caller waits in all: the strategy's `timeout`. */
  readonly timeout: number;
  /** Makes the request to Whop, limited to `timeout` milliseconds. */
  readonly refresh: (timeout: number) => Promise<WhopTokens>;
}

/**
 * What a strategy's `refreshLock` option takes: something that runs each refresh of a refresh
 * token in one process at a time and gives every caller its outcome. {@link RedisRefreshLock} is
 * the one this package ships.
 */
export interface RefreshLock {
  /** Run `refresh.refresh` here, or wait for the process that runs it; settle with its outcome. */
  coordinate(refresh: LockedRefresh): Promise<WhopTokens>;
}

/** What `new RedisRefreshLock(client, options)` takes. */
export interface RedisRefreshLockOptions {
  /** Put before each key (default `passport-whop:refresh:`). */
  readonly prefix?: string;
  /**
   * How long the outcome of a refresh stays in Redis for the processes that wait for it, in
   * milliseconds (default 60000). It also answers a process that read the old refresh token from
   * your store before the new one was saved, and then asks.
   */
  readonly resultTTL?: number;
  /** How long each Redis command may take before the refresh fails, in milliseconds (default 2000). */
  readonly timeout?: number;
}

const DEFAULT_PREFIX = 'passport-whop:refresh:';
const DEFAULT_RESULT_TTL_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 2000;
/** The first pause of a waiting process, and the longest, in milliseconds. */
const FIRST_PAUSE_MS = 5;
const MAX_PAUSE_MS = 50;
/** The holder's request to Whop ends this share of its lease in: the rest is for sharing the outcome. */
const REQUEST_SHARE_OF_LEASE = 0.9;

// Each step is one script, so that it is atomic. The result first: a waiting process that finds
// tokens takes them; an error only if it waited for the holder that failed (a later caller asks
// Whop again, as within one process). Then the lock; else who holds it, and for how long.
const POLL = `
local result = redis.call('GET', KEYS[2])
if result then
  local kind, owner = string.match(result, '^(%a+):([^:]*):')
  if kind == 'ok' or owner == ARGV[3] then return {'result', result} end
  redis.call('DEL', KEYS[2])
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'acquired'} end
return {'held', redis.call('GET', KEYS[1]) or '', redis.call('PTTL', KEYS[1])}
`;
// The outcome kept for the waiting processes (an error never replaces tokens), then the lock
// released if it is still this holder's: compare and delete.
const PUBLISH = `
local kept = redis.call('GET', KEYS[2])
if not (kept and string.sub(kept, 1, 3) == 'ok:' and string.sub(ARGV[2], 1, 3) ~= 'ok:') then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
end
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** One call's keys (in one hash slot: the braces, so that a cluster runs the scripts) and time. */
interface Call {
  readonly lock: string;
  readonly result: string;
  /** When the caller stops waiting (`Date.now()` ms). */
  readonly deadline: number;
  /** The strategy's `timeout`, for the messages. */
  readonly timeout: number;
}

/**
 * A {@link RefreshLock} on Redis, so that processes and machines sharing a Redis make one request
 * to Whop per refresh token: the first caller takes the lock (`SET NX PX`) and refreshes; the
 * others poll until its outcome is there, and all get the same new tokens, or the same error.
 * Whop rotates refresh tokens, so a second request with the same token would be refused.
 *
 * Redis never holds a token in clear: keys hold an HKDF-derived ID of the refresh token, and the
 * outcome is encrypted and authenticated (AES-256-GCM) under a key derived from the old refresh
 * token, kept `resultTTL` ms. The lock's lease is half the strategy's `timeout`, so a caller whose
 * holder died still has the other half to refresh itself; nothing waits past `timeout`. When
 * Redis cannot be reached, refreshing fails at once (`InternalOAuthError`), never unlocked.
 *
 * Takes a client you have connected, from the `redis` package (node-redis v4 or later) or from
 * `ioredis`, a cluster of either included. Give it `disableOfflineQueue: true` (node-redis) or
 * `enableOfflineQueue: false` (ioredis) so that a refresh fails at once while Redis is down.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const redis = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
 * redis.on('error', (error) => console.error('Redis', error));
 * await redis.connect();
 * const whop = new WhopStrategy({ ...options, refreshLock: new RedisRefreshLock(redis) }, verify);
 * const tokens = await refreshAccessToken(whop, user.refreshToken); // one request, all processes
 * ```
 */
export class RedisRefreshLock implements RefreshLock {
  /** Put before each key (the `prefix` option). */
  readonly prefix: string;
  /** Milliseconds an outcome stays in Redis (the `resultTTL` option). */
  readonly resultTTL: number;
  /** Milliseconds each Redis command may take (the `timeout` option). */
  readonly timeout: number;
  private readonly run: RunScript;

  /** @throws TypeError when the client is neither a node-redis nor an ioredis client, or an option is malformed. */
  constructor(client: RedisScriptClientLike, options: RedisRefreshLockOptions = {}) {
    if (typeof client !== 'object' || client === null)
      throw new TypeError(
        'RedisRefreshLock requires a client: a connected client of the redis (node-redis v4 or later) or ioredis package',
      );
    const run = scriptRunner(client);
    if (run === undefined)
      throw new TypeError(
        'RedisRefreshLock requires a client of the redis (node-redis v4 or later) or ioredis package; this one is neither',
      );
    if (typeof options !== 'object' || options === null)
      throw new TypeError('RedisRefreshLock requires options to be an object');
    const {
      prefix = DEFAULT_PREFIX,
      resultTTL = DEFAULT_RESULT_TTL_MS,
      timeout = DEFAULT_TIMEOUT_MS,
    } = options;
    if (typeof prefix !== 'string')
      throw new TypeError('RedisRefreshLock requires the prefix option to be a string');
    for (const [name, value] of [
      ['resultTTL', resultTTL],
      ['timeout', timeout],
    ] as const) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 1)
        throw new TypeError(
          `RedisRefreshLock requires the ${name} option to be a number of milliseconds, 1 or more`,
        );
    }
    this.prefix = prefix;
    this.resultTTL = Math.ceil(resultTTL);
    this.timeout = timeout;
    this.run = run;
  }

  /**
   * Run `refresh.refresh` in this process if no other is refreshing this refresh token, else wait
   * for the one that is; resolve its tokens or reject with its error (`TokenError`,
   * `InternalOAuthError`). Rejects with an `InternalOAuthError` when Redis fails or `timeout`
   * passes first.
   */
  async coordinate(refresh: LockedRefresh): Promise<WhopTokens> {
    const secrets = refreshSecrets(refresh.refreshToken, refresh.companyId);
    const call = this.callOf(secrets.id, refresh.timeout);
    const owner = randomBytes(12).toString('base64url');
    const lease = Math.max(1, Math.ceil(refresh.timeout / 2));
    let waitedOn = '';
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 1.5, MAX_PAUSE_MS)) {
      const reply = await this.script(POLL, call, [owner, String(lease), waitedOn]);
      const [state, value, ttl] = Array.isArray(reply) ? (reply as unknown[]) : [];
      if (state === 'result' && typeof value === 'string') {
        const outcome = this.open(secrets, call, value);
        if ('error' in outcome) throw outcome.error;
        return outcome.tokens;
      }
      if (state === 'acquired') return this.hold(refresh, secrets, call, owner, lease);
      if (state !== 'held' || typeof value !== 'string')
        throw lockFailed(`Redis answered the lock's script with ${describe(reply)}`);
      waitedOn = value;
      const left = call.deadline - Date.now();
      if (left <= 0) throw timedOut(call);
      // Not past the lease (a dead holder's lock is free then), nor the deadline; a little
      // jitter, so that processes that started together do not ask together.
      const lockLeft = typeof ttl === 'number' && ttl > 0 ? ttl : pause;
      await delay(Math.max(1, Math.min(pause * (0.75 + Math.random() / 2), lockLeft, left)));
    }
  }

  /** A call's keys (the prefix, the refresh's ID in braces, the part) and deadline. */
  private callOf(id: string, timeout: number): Call {
    const key = `${this.prefix}{${id}}`;
    return {
      lock: `${key}:lock`,
      result: `${key}:result`,
      deadline: Date.now() + timeout,
      timeout,
    };
  }

  /** Refresh as the lock's holder, share the outcome, release the lock; settle as the refresh did. */
  private async hold(
    refresh: LockedRefresh,
    secrets: RefreshSecrets,
    call: Call,
    owner: string,
    lease: number,
  ): Promise<WhopTokens> {
    // The request ends before the lease does: past it, another process may take the lock and
    // send the same refresh token again.
    const budget = Math.min(call.deadline - Date.now(), Math.floor(lease * REQUEST_SHARE_OF_LEASE));
    if (budget < 1) {
      await this.script(RELEASE, call, [owner]).catch(() => undefined);
      throw timedOut(call);
    }
    let outcome: { tokens: WhopTokens } | { error: unknown };
    try {
      outcome = { tokens: await refresh.refresh(budget) };
    } catch (error) {
      outcome = { error };
    }
    const value = seal(secrets, call.result, owner, outcome);
    // When Redis fails here, this caller still gets the tokens Whop gave (the old refresh token
    // no longer works); the others time out, or take the lock once its lease ends.
    await this.script(PUBLISH, call, [owner, value, String(this.resultTTL)]).catch(() => undefined);
    if ('error' in outcome) throw outcome.error;
    return outcome.tokens;
  }

  private open(secrets: RefreshSecrets, call: Call, value: string) {
    try {
      return unseal(secrets, call.result, value);
    } catch (error) {
      throw lockFailed((error as Error).message, error);
    }
  }

  /** Run a script, within the `timeout` option and the refresh's deadline. */
  private script(script: string, call: Call, args: string[]): Promise<unknown> {
    const left = call.deadline - Date.now();
    const limit = Math.min(this.timeout, left);
    if (limit < 1) return Promise.reject(timedOut(call));
    return new Promise((resolve, reject) => {
      // Cut short by the refresh's own deadline, it is the refresh that timed out, not Redis.
      const timer = setTimeout(
        () =>
          reject(
            left < this.timeout
              ? timedOut(call)
              : lockFailed(`Redis did not answer within ${Math.round(limit)} ms`),
          ),
        limit,
      );
      let pending: Promise<unknown>;
      try {
        pending = this.run(script, [call.lock, call.result], args);
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        (error: unknown) => {
          clearTimeout(timer);
          // After the timeout this settles nothing, but still counts as handled.
          reject(lockFailed(`Redis failed: ${(error as Error)?.message ?? String(error)}`, error));
        },
      );
    });
  }
}

function describe(reply: unknown): string {
  return JSON.stringify(reply)?.slice(0, 100) ?? String(reply);
}

/** Redis failed, or answered what this package did not write: the refresh is not made. */
function lockFailed(detail: string, cause?: unknown): Error {
  return internalError(REFRESH_LOCK_FAILED, 'refresh', `the refresh lock failed (${detail})`, {
    cause,
  });
}

function timedOut(call: Call): Error {
  return internalError(
    TIMED_OUT,
    'refresh',
    `timed out after ${call.timeout} ms waiting for another process's refresh of this token`,
  );
}

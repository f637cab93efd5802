import { createHash } from 'node:crypto';
import type { CodeStore } from './codes.js';
import { isIoRedis, isNodeRedis } from './redis-clients.js';

/**
 * The part of a node-redis (`redis` package, v4 or later) client, cluster, pool or sentinel this
 * store uses.
 */
export interface NodeRedisClientLike {
  /** How the store recognizes a node-redis client. */
  readonly isOpen: boolean;
  /** `SET key value NX PX ttl`: the claim. */
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<unknown>;
  /** `DEL key`: the release of a code Whop refused. */
  del(key: string): Promise<unknown>;
}

/** The part of an ioredis client (`Redis` or `Cluster`) this store uses. */
export interface IoRedisClientLike {
  /** With `call`, how the store recognizes an ioredis client. */
  readonly status: string;
  /** Present on every ioredis client; the store does not call it. */
  call(...args: never[]): unknown;
  /** `SET key value PX ttl NX`: the claim. */
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<unknown>;
  /** `DEL key`: the release of a code Whop refused. */
  del(key: string): Promise<unknown>;
}

/** A connected client of either Redis package. */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

/** What `new RedisCodeStore(client, options)` takes. */
export interface RedisCodeStoreOptions {
  /** Put before each key (default `passport-whop:code:`). */
  readonly prefix?: string;
  /**
   * How long a claim waits for Redis before it fails, in milliseconds (default 2000). A client
   * that queues commands while it reconnects would otherwise hold the login until Redis is back.
   */
  readonly timeout?: number;
}

const DEFAULT_PREFIX = 'passport-whop:code:';
const DEFAULT_TIMEOUT_MS = 2000;

/**
 * A {@link CodeStore} on Redis, for several processes or machines: each code is claimed with
 * one atomic `SET key 1 NX PX ttl`, so exactly one process exchanges it. Keys are the prefix and
 * the SHA-256 of the code (the code itself never reaches Redis), and expire with the code; a code
 * Whop refused is released (`DEL`), so junk callbacks take no room. Run Redis with
 * `maxmemory-policy noeviction`: then a full Redis refuses new claims (the login fails, its code
 * unsent) rather than forgetting a code within its lifetime.
 *
 * Takes a client you have connected: from the `redis` package (node-redis v4 or later) or from
 * `ioredis`. Give it `disableOfflineQueue: true` (node-redis) or `enableOfflineQueue: false`
 * (ioredis) so that a claim fails at once when Redis is down; the `timeout` option bounds it in
 * any case. A failed claim ends the login with an error, and the code is not exchanged.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const redis = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
 * redis.on('error', (error) => console.error('Redis', error));
 * await redis.connect();
 * passport.use(new WhopStrategy({ ...options, codeStore: new RedisCodeStore(redis) }, verify));
 * ```
 */
export class RedisCodeStore implements CodeStore {
  /** Put before each key (the `prefix` option). */
  readonly prefix: string;
  /** Milliseconds a claim waits for Redis (the `timeout` option). */
  readonly timeout: number;
  private readonly setIfAbsent: (key: string, ttlMs: number) => Promise<unknown>;
  private readonly remove: (key: string) => Promise<unknown>;

  /** @throws TypeError when the client is neither a node-redis nor an ioredis client, or an option is malformed. */
  constructor(client: RedisClientLike, options: RedisCodeStoreOptions = {}) {
    if (
      typeof client !== 'object' ||
      client === null ||
      typeof client.set !== 'function' ||
      typeof client.del !== 'function'
    ) {
      throw new TypeError(
        'RedisCodeStore requires a client: a connected client of the redis (node-redis v4 or later) or ioredis package',
      );
    }
    this.remove = (key) => client.del(key);
    if (typeof options !== 'object' || options === null)
      throw new TypeError('RedisCodeStore requires options to be an object');
    const { prefix = DEFAULT_PREFIX, timeout = DEFAULT_TIMEOUT_MS } = options;
    if (typeof prefix !== 'string')
      throw new TypeError('RedisCodeStore requires the prefix option to be a string');
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)
      throw new TypeError(
        'RedisCodeStore requires the timeout option to be a positive number of milliseconds',
      );
    this.prefix = prefix;
    this.timeout = timeout;
    // ioredis takes SET's arguments as they are written; node-redis takes an options object (the
    // `NX`/`PX` form, which v4 to v6 all accept).
    if (isIoRedis(client)) {
      const io = client as IoRedisClientLike;
      this.setIfAbsent = (key, ttlMs) => io.set(key, '1', 'PX', ttlMs, 'NX');
    } else if (isNodeRedis(client)) {
      const node = client as NodeRedisClientLike;
      this.setIfAbsent = (key, ttlMs) => node.set(key, '1', { NX: true, PX: ttlMs });
    } else {
      throw new TypeError(
        'RedisCodeStore requires a client of the redis (node-redis v4 or later) or ioredis package; this one is neither',
      );
    }
  }

  /** The Redis key of a code: the prefix and the code's SHA-256, in hex. */
  keyOf(code: string): string {
    return this.prefix + createHash('sha256').update(code).digest('hex');
  }

  async claim(code: string, ttlMs: number): Promise<boolean> {
    if (typeof code !== 'string')
      throw new TypeError('RedisCodeStore.claim requires the code to be a string');
    if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0)
      throw new TypeError('RedisCodeStore.claim requires ttlMs to be a positive number');
    const reply = await this.withinTimeout(this.setIfAbsent(this.keyOf(code), Math.ceil(ttlMs)));
    if (reply === null) return false;
    if (String(reply) === 'OK') return true;
    throw new Error(`RedisCodeStore: unexpected reply to SET NX: ${String(reply)}`);
  }

  /** Forget a code Whop refused (`DEL`), within the `timeout`. */
  async release(code: string): Promise<void> {
    if (typeof code !== 'string')
      throw new TypeError('RedisCodeStore.release requires the code to be a string');
    await this.withinTimeout(this.remove(this.keyOf(code)));
  }

  private withinTimeout<T>(pending: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`RedisCodeStore: Redis did not answer within ${this.timeout} ms`)),
        this.timeout,
      );
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          // After the timeout this settles nothing, but still counts as handled.
          reject(error);
        },
      );
    });
  }
}

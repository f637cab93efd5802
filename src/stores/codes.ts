import { hash } from 'node:crypto';

/**
 * Where the strategy records the authorization codes it sends to Whop. Whop revokes the user's
 * connection when a code is exchanged twice, so a code must be claimed before it is sent.
 *
 * A record holds a code from its claim until it expires, unless Whop refuses it: then the strategy
 * calls `release`, so that junk callbacks (codes Whop never issued) take no room. It must never
 * forget a code it holds before `ttlMs` has passed, not even to make room: a forgotten code can be
 * exchanged a second time. A store written before `release` existed (only `claim`) still works;
 * it then keeps refused codes until they expire.
 */
export interface CodeStore {
  /**
   * Record `code` for `ttlMs` milliseconds. Resolves `true` when this call claimed it first,
   * `false` when it was already claimed and has not expired. Rejects when it can record nothing
   * (the store is unreachable, or full of codes within their lifetime): then the code is not sent.
   */
  claim(code: string, ttlMs: number): Promise<boolean>;
  /**
   * Optional: forget `code`, which this process claimed and Whop then refused (an HTTP 4xx
   * answer to its token request), so it was not exchanged and holds no room. Never called for a
   * code Whop accepted, or whose answer never came. A rejection is ignored: the code then stays
   * recorded until it expires.
   */
  release?(code: string): Promise<void>;
}

/** What `new MemoryCodeStore(options)` takes. */
export interface MemoryCodeStoreOptions {
  /**
   * The most codes held at once (default 1,000,000). When that many are within their lifetime, a
   * new claim is refused (the login fails, its code unsent) rather than a held code forgotten.
   */
  readonly maxCodes?: number;
}

/** The error a full {@link MemoryCodeStore} rejects a claim with. */
export class CodeStoreFullError extends Error {
  /** Always `'CODE_STORE_FULL'`. */
  readonly code = 'CODE_STORE_FULL';
  /** The error for a store of `maxCodes` codes, which the message names. */
  constructor(maxCodes: number) {
    super(
      `MemoryCodeStore is full: ${maxCodes} codes are within their lifetime (raise maxCodes, or share the load with a RedisCodeStore)`,
    );
    this.name = 'CodeStoreFullError';
  }
}

const INITIAL_CAPACITY = 1024;
/** While full, how long claims are refused before the store looks for expired codes again. */
const FULL_PAUSE_MS = 1000;

/** The little-endian 32-bit word at `offset` of a 'binary' digest (one char a byte). */
function word(digest: string, offset: number): number {
  return (
    (digest.charCodeAt(offset) |
      (digest.charCodeAt(offset + 1) << 8) |
      (digest.charCodeAt(offset + 2) << 16) |
      (digest.charCodeAt(offset + 3) << 24)) >>>
    0
  );
}

/** A code's 64-bit fingerprint: two words of its SHA-256, the low one never 0 (0:0 is empty). */
function fingerprint(code: string): [number, number] {
  // As a 'binary' (latin1) string, one char a byte: cheaper to make than a Buffer.
  const digest = hash('sha256', code, 'binary');
  return [word(digest, 0), word(digest, 4) || 1];
}

/**
 * The default {@link CodeStore}: one process's memory, bounded and compact. It keeps a 64-bit
 * fingerprint (from SHA-256) of each code, never the code, with its expiry, in typed arrays:
 * about 32 bytes a code, 32 MiB at the 1,000,000-code default. A code leaves when it expires
 * (expired codes are swept out when room is needed) or when released; never to make room: a
 * claim that finds the store full of codes within their lifetime is refused with a
 * {@link CodeStoreFullError}.
 */
export class MemoryCodeStore implements CodeStore {
  /** The most codes held at once (the `maxCodes` option). */
  readonly maxCodes: number;
  // Open addressing with linear probing; a slot whose fingerprint is 0:0 is empty.
  private hi = new Uint32Array(0);
  private lo = new Uint32Array(0);
  private expires = new Float64Array(0);
  private mask = 0;
  /** How many codes the table takes before it grows (at most half its slots, and maxCodes). */
  private capacity = 0;
  private count = 0;
  /** When full: the time before which no held code expires, so a sweep would free nothing. */
  private fullUntil = -Infinity;

  /** @throws TypeError when `maxCodes` is not a positive integer. */
  constructor(options: MemoryCodeStoreOptions = {}) {
    const { maxCodes = 1_000_000 } = options;
    if (!Number.isInteger(maxCodes) || maxCodes < 1) {
      throw new TypeError('MemoryCodeStore requires maxCodes to be a positive integer');
    }
    this.maxCodes = maxCodes;
    this.resize(Math.min(INITIAL_CAPACITY, maxCodes));
  }

  /** How many codes are held now, counting expired ones not yet swept out. */
  get size(): number {
    return this.count;
  }

  claim(code: string, ttlMs: number): Promise<boolean> {
    try {
      return Promise.resolve(this.claimNow(code, ttlMs, Date.now()));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  release(code: string): Promise<void> {
    this.releaseNow(code);
    return Promise.resolve();
  }

  /**
   * @internal The synchronous claim, with the clock passed in.
   * @throws CodeStoreFullError when `maxCodes` codes are within their lifetime.
   */
  claimNow(code: string, ttlMs: number, now: number): boolean {
    const [fpHi, fpLo] = fingerprint(code);
    const slot = this.find(fpHi, fpLo);
    if (slot >= 0) {
      if (this.expires[slot]! > now) return false;
      // Expired but not yet swept out: claimed again.
      this.expires[slot] = now + ttlMs;
      return true;
    }
    if (this.count >= this.capacity) this.makeRoom(now);
    this.insert(fpHi, fpLo, now + ttlMs);
    this.count += 1;
    return true;
  }

  /** @internal The synchronous release. */
  releaseNow(code: string): void {
    const slot = this.find(...fingerprint(code));
    if (slot < 0) return;
    this.remove(slot);
    this.count -= 1;
  }

  /**
   * Room for one more code, or a {@link CodeStoreFullError}: sweep out the expired codes, then
   * grow the table while below `maxCodes`. Growing only when the sweep freed less than half
   * keeps both amortized O(1).
   */
  private makeRoom(now: number): void {
    // Only ever full at maxCodes: the table then holds no code that expires before `fullUntil`.
    if (now < this.fullUntil) throw new CodeStoreFullError(this.maxCodes);
    const earliest = this.sweep(now);
    if (this.count * 2 <= this.capacity) return;
    if (this.capacity < this.maxCodes) {
      this.resize(Math.min(this.capacity * 2, this.maxCodes));
      return;
    }
    // Each sweep reads the whole table: near full, not again before the earliest expiry, nor
    // more than once a second, so a flood of claims costs O(1) each.
    this.fullUntil = Math.max(earliest, now + FULL_PAUSE_MS);
    if (this.count >= this.maxCodes) throw new CodeStoreFullError(this.maxCodes);
  }

  /** Remove every expired code; returns the earliest expiry of those left. */
  private sweep(now: number): number {
    let earliest = Infinity;
    for (let i = 0; i <= this.mask;) {
      if ((this.hi[i] !== 0 || this.lo[i] !== 0) && this.expires[i]! <= now) {
        // Backward-shift deletion may move a later entry into slot i: look at it again.
        this.remove(i);
        this.count -= 1;
        continue;
      }
      if (this.hi[i] !== 0 || this.lo[i] !== 0) earliest = Math.min(earliest, this.expires[i]!);
      i += 1;
    }
    return earliest;
  }

  private find(fpHi: number, fpLo: number): number {
    for (let i = fpLo & this.mask; ; i = (i + 1) & this.mask) {
      if (this.hi[i] === fpHi && this.lo[i] === fpLo) return i;
      if (this.hi[i] === 0 && this.lo[i] === 0) return -1;
    }
  }

  private insert(fpHi: number, fpLo: number, expires: number): void {
    let i = fpLo & this.mask;
    while (this.hi[i] !== 0 || this.lo[i] !== 0) i = (i + 1) & this.mask;
    this.hi[i] = fpHi;
    this.lo[i] = fpLo;
    this.expires[i] = expires;
  }

  /** Backward-shift deletion: keeps every probe chain unbroken without tombstones. */
  private remove(slot: number): void {
    let hole = slot;
    for (
      let j = (hole + 1) & this.mask;
      this.hi[j] !== 0 || this.lo[j] !== 0;
      j = (j + 1) & this.mask
    ) {
      const home = this.lo[j]! & this.mask;
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const stays = hole < j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      this.hi[hole] = this.hi[j]!;
      this.lo[hole] = this.lo[j]!;
      this.expires[hole] = this.expires[j]!;
      hole = j;
    }
    this.hi[hole] = 0;
    this.lo[hole] = 0;
  }

  private resize(capacity: number): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    const oldExpires = this.expires;
    this.capacity = capacity;
    // At most half full, so probe chains stay short.
    let size = 1;
    while (size < capacity * 2) size *= 2;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.expires = new Float64Array(size);
    this.mask = size - 1;
    for (let i = 0; i < oldHi.length; i += 1) {
      if (oldHi[i] !== 0 || oldLo[i] !== 0) this.insert(oldHi[i]!, oldLo[i]!, oldExpires[i]!);
    }
  }
}

let shared: MemoryCodeStore | undefined;

/**
 * The code record of every strategy in this process that has no `codeStore` option: one, so that
 * two strategies (a user login and a company login, say) never both send one code to Whop.
 *
 * @internal
 */
export function processCodeStore(): MemoryCodeStore {
  shared ??= new MemoryCodeStore();
  return shared;
}

/**
 * Forget every code of the process record: for test suites, where each test stands for a fresh
 * process (and reuses codes such as `code_1`).
 *
 * @internal
 */
export function forgetProcessCodes(): void {
  shared = undefined;
}

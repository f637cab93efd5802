import { hash } from 'node:crypto';

/**
 * Where the strategy records the authorization codes it has exchanged. Whop revokes the user's
 * connection when a code is exchanged twice, so a code must be claimed before it is sent.
 */
export interface CodeStore {
  /**
   * Record `code` for `ttlMs` milliseconds. Resolves `true` when this call claimed it first,
   * `false` when it was already claimed and has not expired.
   */
  claim(code: string, ttlMs: number): Promise<boolean>;
}

/** What `new MemoryCodeStore(options)` takes. */
export interface MemoryCodeStoreOptions {
  /** The most codes held at once; past it the oldest is forgotten. Default 1,000,000. */
  readonly maxCodes?: number;
}

const INITIAL_CAPACITY = 1024;

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

/**
 * The default {@link CodeStore}: one process's memory, bounded and compact. It keeps a 64-bit
 * fingerprint (from SHA-256) of each code, never the code, in typed arrays: about 40 bytes a
 * code, 40 MiB at the 1,000,000-code default. Codes leave when they expire, or oldest first
 * when the store is full.
 */
export class MemoryCodeStore implements CodeStore {
  /** The most codes held at once (the `maxCodes` option). */
  readonly maxCodes: number;
  // Claim order, oldest at `head`: with one TTL for all codes it is also expiry order.
  private ringHi = new Uint32Array(0);
  private ringLo = new Uint32Array(0);
  private head = 0;
  private count = 0;
  // Open addressing with linear probing; a slot whose fingerprint is 0:0 is empty.
  private hi = new Uint32Array(0);
  private lo = new Uint32Array(0);
  private expires = new Float64Array(0);
  private mask = 0;

  /** @throws TypeError when `maxCodes` is not a positive integer. */
  constructor(options: MemoryCodeStoreOptions = {}) {
    const { maxCodes = 1_000_000 } = options;
    if (!Number.isInteger(maxCodes) || maxCodes < 1) {
      throw new TypeError('MemoryCodeStore requires maxCodes to be a positive integer');
    }
    this.maxCodes = maxCodes;
    this.resize(Math.min(INITIAL_CAPACITY, maxCodes));
  }

  /** How many codes are held now. */
  get size(): number {
    return this.count;
  }

  claim(code: string, ttlMs: number): Promise<boolean> {
    return Promise.resolve(this.claimNow(code, ttlMs, Date.now()));
  }

  /** @internal The synchronous claim, with the clock passed in. */
  claimNow(code: string, ttlMs: number, now: number): boolean {
    // As a 'binary' (latin1) string, one char a byte: cheaper to make than a Buffer.
    const digest = hash('sha256', code, 'binary');
    const fpHi = word(digest, 0);
    const fpLo = word(digest, 4) || 1;
    this.dropExpired(now);

    const slot = this.find(fpHi, fpLo);
    if (slot >= 0 && this.expires[slot]! > now) return false;
    if (slot >= 0) {
      // Expired but not yet dropped (a shorter TTL stands ahead of it): claim it again.
      this.expires[slot] = now + ttlMs;
      return true;
    }
    if (this.count === this.ringHi.length) {
      if (this.count < this.maxCodes) this.resize(Math.min(this.count * 2, this.maxCodes));
      else this.dropOldest();
    }
    this.insert(fpHi, fpLo, now + ttlMs);
    const tail = (this.head + this.count) % this.ringHi.length;
    this.ringHi[tail] = fpHi;
    this.ringLo[tail] = fpLo;
    this.count += 1;
    return true;
  }

  private dropExpired(now: number): void {
    while (this.count > 0) {
      const slot = this.find(this.ringHi[this.head]!, this.ringLo[this.head]!);
      if (this.expires[slot]! > now) return;
      this.dropOldest();
    }
  }

  private dropOldest(): void {
    this.remove(this.find(this.ringHi[this.head]!, this.ringLo[this.head]!));
    this.head = (this.head + 1) % this.ringHi.length;
    this.count -= 1;
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
    const ringHi = new Uint32Array(capacity);
    const ringLo = new Uint32Array(capacity);
    for (let k = 0; k < this.count; k += 1) {
      const from = (this.head + k) % this.ringHi.length;
      ringHi[k] = this.ringHi[from]!;
      ringLo[k] = this.ringLo[from]!;
    }
    this.ringHi = ringHi;
    this.ringLo = ringLo;
    this.head = 0;
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

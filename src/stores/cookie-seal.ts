import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** What the cookie carries, encrypted. */
export interface Payload {
  /** The handle sent to Whop as `state`. */
  readonly h: string;
  /** The PKCE code verifier. */
  readonly v?: string;
  /** The state the strategy stores with the handle. */
  readonly s?: unknown;
  /** When the login expires, in milliseconds since the epoch. */
  readonly e: number;
}

// Keys are bound to this use, so a key derived from the same secret elsewhere opens no cookie.
const KEY_INFO = 'passport-whop cookie state v2';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The AES-256-GCM key of a secret: HKDF-SHA256, bound to this use. */
function keyOf(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, '', KEY_INFO, 32));
}

/**
 * Seals `CookieStateStore`'s payloads with AES-256-GCM and opens them again: the first secret's
 * key seals, every secret's key opens (rotation).
 *
 * @internal
 */
export class CookieSealer {
  private readonly keys: readonly Buffer[];

  constructor(secrets: readonly string[]) {
    this.keys = secrets.map(keyOf);
  }

  /**
   * The cookie's value: base64url of a random 96-bit IV, the AES-256-GCM ciphertext of the
   * payload's JSON, and the 128-bit tag; the cookie's name is authenticated with it, so a value
   * cannot move to a cookie of another name.
   */
  seal(name: string, payload: Payload): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, iv).setAAD(Buffer.from(name));
    const sealed = [iv, cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()];
    return Buffer.concat([...sealed, cipher.getAuthTag()]).toString('base64url');
  }

  /** The payload of a cookie value sealed with one of this store's secrets, else undefined. */
  open(name: string, value: string): Payload | undefined {
    const bytes = Buffer.from(value, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
    const iv = bytes.subarray(0, IV_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    const sealed = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
    for (const key of this.keys) {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(name)).setAuthTag(tag);
      let text: string;
      try {
        text = Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
      } catch {
        continue; // another key's, or tampered with
      }
      return parsePayload(text);
    }
    return undefined;
  }
}

/** The payload in an opened cookie's text, when it has the fields a payload must. */
function parsePayload(text: string): Payload | undefined {
  try {
    const payload = JSON.parse(text) as Payload | null;
    if (typeof payload !== 'object' || payload === null) return undefined;
    if (typeof payload.h !== 'string' || typeof payload.e !== 'number') return undefined;
    if (payload.v !== undefined && typeof payload.v !== 'string') return undefined;
    return payload;
  } catch {
    return undefined;
  }
}

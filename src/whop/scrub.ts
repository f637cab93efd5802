import { isWellFormed } from './text.js';

// Whop's error bodies quote what they were sent ("Authorization code <code> was already used",
// "client_secret <secret> is not valid"), and so do transport and store errors: every error this
// package creates or passes on goes through scrubError with the secrets of its exchange before
// anyone can log it. Only the error path pays for this.

/** What stands in for a secret in an error's text. */
export const REDACTED = '[redacted]';

/**
 * Shorter values are not looked for: they cannot be told from the words of a message (a code
 * `c` would take every c out of "access token"), and no code, secret or token of Whop's is that
 * short; only a made-up one, sent by whoever made it up.
 */
export const MIN_SECRET_LENGTH = 4;

/** How deep into causes and fields scrubbing goes; error chains are short. */
const MAX_DEPTH = 8;

/**
 * Every form a secret takes when quoted (as is, percent-encoded as in a URL or a form body,
 * JSON-escaped), of every secret, longest first: a secret that holds a shorter one is taken out
 * whole, not left half-shown.
 */
function formsOf(secrets: Iterable<unknown>): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    // A lone surrogate cannot be percent-encoded (URIError): it is quoted as is or not at all.
    if (isWellFormed(secret)) {
      forms.add(encodeURIComponent(secret));
      forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
    }
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

function replaceForms(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) {
    if (!out.includes(form)) continue;
    // Around the markers already there, so that scrubbing twice changes nothing more.
    out = out
      .split(REDACTED)
      .map((part) => part.split(form).join(REDACTED))
      .join(REDACTED);
  }
  return out;
}

/** `text` with every secret (in any of its quoted forms) replaced by `[redacted]`. */
export function redact(text: string, secrets: Iterable<unknown>): string {
  return replaceForms(text, formsOf(secrets));
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null || Array.isArray(value);
}

/** Sets `key` on `target`, keeping its enumerability. */
function rewrite(target: object, key: string, value: unknown): void {
  try {
    (target as Record<string, unknown>)[key] = value;
  } catch {
    // A frozen object or a setter that throws: hide the field rather than show it.
    hide(target, key);
  }
}

function hide(target: object, key: string): void {
  try {
    Object.defineProperty(target, key, { enumerable: false });
  } catch {
    // Not configurable either: nothing more can be done from outside.
  }
}

class Scrubber {
  private readonly seen = new WeakSet<object>();

  constructor(private readonly forms: readonly string[]) {}

  text(value: string): string {
    return replaceForms(value, this.forms);
  }

  /** A string redacted; an object scrubbed in place; anything else as it is. */
  value(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.text(value);
    if (typeof value === 'object' && value !== null) this.object(value, depth);
    return value;
  }

  object(target: object, depth: number): void {
    if (this.seen.has(target) || depth > MAX_DEPTH) return;
    this.seen.add(target);
    const isError = target instanceof Error;
    if (isError) {
      // message and stack are own but not enumerable; the stack's first line repeats the message.
      rewrite(target, 'message', this.text(target.message));
      if (typeof target.stack === 'string') rewrite(target, 'stack', this.text(target.stack));
      if ('cause' in target) rewrite(target, 'cause', this.value(target.cause, depth + 1));
    }
    for (const key of Object.keys(target)) {
      // passport-oauth2's errors set message as an enumerable field: done above.
      if (isError && (key === 'message' || key === 'stack' || key === 'cause')) continue;
      let field: unknown;
      try {
        field = (target as Record<string, unknown>)[key];
      } catch {
        hide(target, key);
        continue;
      }
      if (typeof field === 'string') {
        const clean = this.text(field);
        if (clean !== field) rewrite(target, key, clean);
      } else if (typeof field === 'object' && field !== null) {
        // Errors, arrays and plain objects are scrubbed; a library's own objects (a socket, a
        // response) are not changed from outside but kept off enumeration, so logs skip them.
        if (field instanceof Error || isPlain(field)) this.object(field, depth + 1);
        else hide(target, key);
      }
    }
  }
}

/**
 * Takes every secret of an exchange (the code, the client secret, the PKCE verifier, the tokens
 * sent and received) out of `error`, in place so that it keeps its class and fields: its
 * `message`, its `stack`, its `cause` chain and every enumerable field, recursively (passport-oauth2's
 * `oauthError` among them). A thrown string is returned redacted. Returns `error`.
 *
 * @internal
 */
export function scrubError<T>(error: T, secrets: Iterable<unknown>): T {
  const forms = formsOf(secrets);
  if (forms.length === 0) return error;
  return new Scrubber(forms).value(error, 0) as T;
}

import { inspect } from 'node:util';
import { CUT, escapeUnprintable, isWellFormed } from './text.js';

// The secrets of an exchange, in every form they are written in, found in text and taken out.

/** What stands in for a secret in an error's text. */
export const REDACTED = '[redacted]';

/**
 * Shorter values are not looked for: they cannot be told from the words of a message (a code
 * `c` would take every c out of "access token"), and no code, secret or token of Whop's is that
 * short; only a made-up one, sent by whoever made it up. A value of exactly this length is.
 */
export const MIN_SECRET_LENGTH = 4;

/** A base64 run inside a longer base64 text shorter than this is not looked for. */
const MIN_BASE64_RUN = 8;

const HEX_ESCAPE = /%[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}/g;

/** `text` with the hex digits of its `%2F` and `\u000d` escapes in the other case too. */
function hexCases(text: string): string[] {
  // `\u` stays lowercase: only the hex digits change case.
  const lower = text.replace(HEX_ESCAPE, (escape) => escape.toLowerCase());
  const upper = text.replace(HEX_ESCAPE, (escape) => {
    const start = escape[0] === '%' ? 1 : 2;
    return escape.slice(0, start) + escape.slice(start).toUpperCase();
  });
  return [lower, upper];
}

/** JSON's escape of a string's content, without the quotes. */
function jsonEscaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** Every HTML escape a template engine or an error page writes for `&<>"'`. */
function htmlEscaped(text: string): string[] {
  const base = text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
  return ['&#39;', '&#x27;', '&apos;'].map((quote) => base.replace(/'/g, quote));
}

/**
 * A secret's bytes in base64 and base64url: whole (with and without padding), and the runs that
 * stand for it wherever it sits inside a longer base64 text (a JWT, a Basic `Authorization`
 * header): one for each of the three ways its bytes can fall into base64's 3-byte groups.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [bytes.toString('base64'), bytes.toString('base64url')];
  forms.push(forms[0]!.replace(/=+$/, ''));
  for (let skip = 0; skip < 3; skip++) {
    const rest = bytes.subarray(skip);
    const whole = rest.subarray(0, rest.length - (rest.length % 3));
    if ((whole.length / 3) * 4 < MIN_BASE64_RUN) continue;
    forms.push(whole.toString('base64'), whole.toString('base64url'));
  }
  return forms;
}

/**
 * Every form a secret is written in: as is; percent-encoded as in a URL or a form body (upper and
 * lowercase hex); JSON-escaped, once and twice (a JSON text inside a JSON string), with `\/` and
 * either hex case; as `util.inspect` and this package's `printable` escape it; HTML-escaped;
 * base64 and base64url.
 */
function formsOf(secret: string): string[] {
  const json = jsonEscaped(secret);
  const forms = [
    secret,
    escapeUnprintable(secret),
    inspect(secret).slice(1, -1),
    ...hexCases(json),
    json.replace(/\//g, '\\/'),
    jsonEscaped(json),
    ...htmlEscaped(secret),
    ...base64Forms(secret),
  ];
  // A lone surrogate cannot be percent-encoded (URIError): it is quoted as is or not at all.
  if (isWellFormed(secret)) {
    forms.push(...hexCases(encodeURIComponent(secret)));
    forms.push(...hexCases(new URLSearchParams({ s: secret }).toString().slice(2)));
    forms.push(...hexCases(encodeURI(secret)));
  }
  return forms;
}

/**
 * The two forms of a client's ID and secret that HTTP Basic authentication encodes
 * (RFC 6749 section 2.3.1: each form-encoded first, or as they are): passed as secrets, their
 * base64 is looked for as well, as `Authorization: Basic ...` carries it.
 *
 * @internal
 */
export function clientCredentials(clientID: unknown, clientSecret: unknown): string[] {
  if (typeof clientID !== 'string' || typeof clientSecret !== 'string' || clientSecret === '')
    return [];
  const encode = (text: string) =>
    isWellFormed(text) ? new URLSearchParams({ s: text }).toString().slice(2) : text;
  return [`${clientID}:${clientSecret}`, `${encode(clientID)}:${encode(clientSecret)}`];
}

type Span = [start: number, end: number];

/** Where `form` occurs in `text`, overlapping occurrences included. */
function occurrences(text: string, form: string, into: Span[]): void {
  for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1))
    into.push([at, at + form.length]);
}

/**
 * Where a quote cut short (`...<head of a form>…`) ends with the head of `form`: the longest head
 * of at least {@link MIN_SECRET_LENGTH} characters that ends right before the cut at `cut`.
 */
function cutHead(text: string, form: string, cut: number, into: Span[]): void {
  const first = Math.max(0, cut - form.length + 1);
  for (let at = first; at <= cut - MIN_SECRET_LENGTH; at++) {
    if (text[at] === form[0] && text.startsWith(form.slice(0, cut - at), at)) {
      into.push([at, cut]);
      return;
    }
  }
}

/** The secrets of one exchange, ready to be found in text in any of their forms. */
export class SecretForms {
  private readonly forms: readonly string[];

  constructor(secrets: Iterable<unknown>) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
      for (const form of formsOf(secret)) if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
    }
    this.forms = [...forms];
  }

  /** Whether there is nothing to look for. */
  get empty(): boolean {
    return this.forms.length === 0;
  }

  /** Whether `text` holds a secret in any form. */
  holds(text: string): boolean {
    return this.redact(text) !== text;
  }

  /**
   * `text` with every secret, in any of its forms, replaced by `[redacted]`: where occurrences
   * overlap (two secrets, one holding the other), the whole stretch is taken out, and a quote
   * cut short loses the head of a secret it ends with. Markers already there are kept, so that
   * redacting twice changes nothing more.
   */
  redact(text: string): string {
    const spans: Span[] = [];
    for (const form of this.forms) occurrences(text, form, spans);
    for (let cut = text.indexOf(CUT); cut !== -1; cut = text.indexOf(CUT, cut + 1))
      for (const form of this.forms) cutHead(text, form, cut, spans);
    if (spans.length === 0) return text;
    const markers: Span[] = [];
    occurrences(text, REDACTED, markers);
    const found = spans
      .filter(([start, end]) => !markers.some(([s, e]) => s <= start && end <= e))
      .sort((a, b) => a[0] - b[0]);
    let out = '';
    let done = 0;
    for (let i = 0; i < found.length;) {
      const start = found[i]![0];
      let end = found[i]![1];
      for (i++; i < found.length && found[i]![0] <= end; i++) end = Math.max(end, found[i]![1]);
      out += text.slice(done, start) + REDACTED;
      done = end;
    }
    return out + text.slice(done);
  }
}

/** `text` with every secret (in any of its forms) replaced by `[redacted]`. */
export function redact(text: string, secrets: Iterable<unknown>): string {
  return new SecretForms(secrets).redact(text);
}

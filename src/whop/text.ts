// Text from outside (the callback's query, Whop's answers) on its way into error messages.

/** Takes the secrets of an exchange out of a text (see `SecretForms`). */
export type Redact = (text: string) => string;

/** The longest text from a request or from Whop that an error message quotes. */
export const MAX_QUOTED = 300;
/** What ends a quote cut at {@link MAX_QUOTED} characters. */
export const CUT = '…';
// C0 and C1 controls (CR, LF, NUL, ESC...), DEL and the Unicode line separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE, 'g');

/**
 * Whether `text` has no lone surrogate, which cannot be encoded in UTF-8 or a URL (URIError).
 * `String#isWellFormed`, which TypeScript's ES2022 library does not declare.
 */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * `text` with control characters escaped as `\u000a` (so no CR/LF splits a log line) and lone
 * surrogates replaced with U+FFFD: the form {@link printable} writes, uncut. The scrubber looks
 * for every secret in this form too.
 */
export function escapeUnprintable(text: string): string {
  const out = text.replace(
    UNPRINTABLE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return isWellFormed(out) ? out : out.replace(LONE_SURROGATES, '\uFFFD');
}

/**
 * `text` made safe to quote in an error message: first `redact` (the secrets of the exchange
 * taken out whole), then cut to 300 characters, then escaped ({@link escapeUnprintable}). In
 * that order, so that no secret is cut in two with its head left in clear.
 */
export function printable(text: string, redact?: Redact): string {
  const clean = redact === undefined ? text : redact(text);
  return escapeUnprintable(
    clean.length > MAX_QUOTED ? `${clean.slice(0, MAX_QUOTED)}${CUT}` : clean,
  );
}

// Text from outside (the callback's query, Whop's answers) on its way into error messages.

/** The longest text from a request or from Whop that an error message quotes. */
const MAX_QUOTED = 300;
// C0 and C1 controls (CR, LF, NUL, ESC...), DEL and the Unicode line separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether `text` has no lone surrogate, which cannot be encoded in UTF-8 or a URL (URIError).
 * `String#isWellFormed`, which TypeScript's ES2022 library does not declare.
 */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * `text` made safe to quote in an error message: control characters escaped as `\u000a`, so no
 * CR/LF splits a log line; lone surrogates replaced with U+FFFD; at most 300 characters.
 */
export function printable(text: string): string {
  let out = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
  out = out.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return isWellFormed(out) ? out : out.replace(new RegExp(LONE_SURROGATE, 'g'), '\uFFFD');
}

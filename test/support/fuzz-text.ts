// Text generators shared by the fuzz suite's arbitraries.
import fc from 'fast-check';

/** Characters that break parsers, headers and logs. */
const nasty = fc.constantFrom(
  '\r',
  '\n',
  '\r\n',
  '\0',
  '\t',
  '%',
  '&',
  '=',
  '+',
  '#',
  ' ',
  '"',
  "'",
  '\\',
  '<',
  '[',
  ']',
  '{',
  '\x7f',
  '\u2028',
  '\ufeff',
  '\u00e9',
  '\u{1f600}',
);

/** Short text, often with characters that break parsers, headers and logs. */
export const weirdText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 6 }) },
      { weight: 2, arbitrary: nasty },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(''));

/** One UTF-16 surrogate alone: valid in a JS string and JSON, in no URL, header or UTF-8. */
export const loneSurrogate: fc.Arbitrary<string> = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((unit) => String.fromCharCode(unit));

/** Weird text that may hold a lone surrogate. */
export const unsafeText: fc.Arbitrary<string> = fc
  .tuple(weirdText, fc.option(loneSurrogate, { nil: '' }), weirdText)
  .map((parts) => parts.join(''));

/** Kilobytes of one character. */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('a', '%', '\u00e9', '\n', '0', '\u{1f600}'),
    fc.integer({ min: 500, max: 1500 }),
  )
  .map(([unit, count]) => unit.repeat(count));

/** Bytes of any value, as a query or form writes them: `%XX` each. */
export const percentBytes: fc.Arbitrary<string> = fc
  .uint8Array({ minLength: 1, maxLength: 12 })
  .map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));

/** A line break and a forged log line: what an attacker puts in a query to forge log lines. */
export const INJECTED = 'fzinj: forged';
export const injection = fc.constantFrom('\r\n', '\n', '\r').map((eol) => `x${eol}${INJECTED}`);

/** Whether `text` holds a line break followed by the forged line. */
export function hasInjection(text: string): boolean {
  return /[\r\n]fzinj: forged/.test(text);
}

/** Percent-encode any string; a lone surrogate (no UTF-8 for it) becomes U+FFFD. */
export function encode(text: string): string {
  return encodeURIComponent(text.replace(/\p{Cs}/gu, '\ufffd'));
}

// Random answers of Whop's endpoints for the fuzz suite (any status, content type, shape, type
// and size; slow, cut off or never sent; error bodies that quote what they were sent), as plans
// that fuzz-bodies.ts turns into answers for each request.
import fc from 'fast-check';
import type { Delivery } from './fuzz-whop.js';
import { hugeText, loneSurrogate, unsafeText, weirdText } from './fuzz-text.js';

/** A value Whop should not send in a field: every JSON type, absurd numbers, hostile text. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 1.5, 2 ** 53, '', [], {}, '3600', 'abc'),
  fc.double(),
  weirdText,
  unsafeText,
  hugeText,
  fc.jsonValue({ maxDepth: 2 }),
);

/** What a token answer does to one field: keep it, drop it, or put an odd value in it. */
const fieldChange = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'keep' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 2, arbitrary: oddValue.map((value) => ({ kind: 'set' as const, value })) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        weirdText,
        loneSurrogate,
        fc.constantFrom('\r\n', '\0', '\u00e9', 'x y'),
        // As long as Whop's JWT access tokens.
        fc.constant('J'.repeat(600)),
      )
      .map((tail) => ({ kind: 'tail' as const, tail })),
  },
);

const idTokenKind = fc.constantFrom(
  'good',
  'good',
  'good',
  'wrong-nonce',
  'other-key',
  'expired',
  'garbage',
  'none',
  'none',
);

/** Keys aimed at prototypes, with what they would give every object. */
const hostileEntries = fc.subarray([
  ['__proto__', { isAdmin: true, scope: 'biz_evil', access_token: 'fzinherited' }],
  ['constructor', { prototype: { polluted: true } }],
  ['prototype', { polluted: true }],
] as [string, unknown][]);

export const BODY_FIELDS = ['access_token', 'refresh_token', 'token_type', 'scope'] as const;

/** An `expires_in` no token lives by: too large, negative, or not a number of seconds. */
const absurdSeconds = fc.oneof(
  fc.constantFrom(
    1e308,
    -1,
    -0.5,
    1e10,
    315_360_001,
    2 ** 53,
    null,
    '',
    [],
    {},
    '3600',
    'abc',
    '1e400',
    true,
  ),
  fc.double(),
);

/** What an error body quotes back: whatever the request carried. */
const quotable = fc.subarray([
  'code',
  'client_secret',
  'code_verifier',
  'refresh_token',
  'token',
  'bearer',
]);

export type BodyPlan =
  | {
      readonly kind: 'token';
      /** At most two fields changed, by name; `expires_in` on its own below. */
      readonly changes: readonly (readonly [
        string,
        { kind: string; value?: unknown; tail?: string },
      ])[];
      /** Whop's `expires_in`: 3600, missing (undefined), or absurd. */
      readonly expiresIn: unknown;
      readonly idToken: string;
      readonly hostile: readonly [string, unknown][];
      readonly extra: readonly [string, unknown][];
    }
  | {
      readonly kind: 'profile';
      readonly change: { kind: string; value?: unknown; tail?: string };
      readonly hostile: readonly [string, unknown][];
    }
  | { readonly kind: 'jwks'; readonly which: string }
  | {
      readonly kind: 'error';
      readonly shape: string;
      readonly quote: readonly string[];
      /** Characters of text before the quote: around 300, a cut falls inside a secret. */
      readonly pad: number;
    }
  | { readonly kind: 'raw'; readonly text: string }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'oversized' };

export interface AnswerPlan {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly retryAfter: string | undefined;
  readonly body: BodyPlan;
  readonly delivery: Delivery;
}

const errorBody = fc.record({
  kind: fc.constant('error' as const),
  shape: fc.constantFrom('rfc6749', 'in-code', 'in-uri', 'v1', 'v2', 'v5', 'text', 'html'),
  quote: quotable,
  // Whop's long echoes: the quote starts where a 300-character cut would fall inside it.
  pad: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, fc.integer({ min: 200, max: 300 })),
});
const otherBodies = [
  { weight: 3, arbitrary: errorBody },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        weirdText,
        unsafeText,
        hugeText,
        fc.jsonValue().map((v) => JSON.stringify(v)),
      )
      .map((text) => ({ kind: 'raw' as const, text })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'oversized' as const }) },
];

const tokenBody = fc.record({
  kind: fc.constant('token' as const),
  changes: fc.array(fc.tuple(fc.constantFrom(...BODY_FIELDS), fieldChange), { maxLength: 2 }),
  expiresIn: fc.oneof(
    { weight: 4, arbitrary: fc.constant(3600) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: absurdSeconds },
  ),
  idToken: idTokenKind,
  hostile: hostileEntries,
  extra: fc.array(fc.tuple(weirdText, oddValue), { maxLength: 2 }),
});
const profileBody = fc.record({
  kind: fc.constant('profile' as const),
  change: fieldChange,
  hostile: hostileEntries,
});
const jwksBody = fc.record({
  kind: fc.constant('jwks' as const),
  which: fc.constantFrom('good', 'good', 'good', 'other', 'empty', 'not-keys'),
});

/** How the answer travels: mostly at once, sometimes late, slow, cut off, never, or reset. */
function deliveryOf(timeout: number): fc.Arbitrary<Delivery> {
  return fc.oneof(
    { weight: 40, arbitrary: fc.constant<Delivery>({ kind: 'whole', delayMs: 0 }) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: Math.round(timeout * 1.3) })
        .map((delayMs): Delivery => ({ kind: 'whole', delayMs })),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 20, max: 60 })
        .map((everyMs): Delivery => ({ kind: 'dribble', everyMs })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Delivery>({ kind: 'cut' }, { kind: 'hang' }, { kind: 'reset' }),
    },
  );
}

/** A random answer of one endpoint, mostly of the shape it should have. */
export function answerPlan(
  endpoint: 'token' | 'profile' | 'jwks' | 'revoke',
  timeout: number,
): fc.Arbitrary<AnswerPlan> {
  const good =
    endpoint === 'token'
      ? tokenBody
      : endpoint === 'profile'
        ? profileBody
        : endpoint === 'jwks'
          ? jwksBody
          : fc.constant({ kind: 'raw' as const, text: '' });
  return fc.record({
    status: fc.oneof(
      { weight: 24, arbitrary: fc.constant(200) },
      fc.constantFrom(201, 204, 302, 400, 401, 403, 404, 429, 500, 502, 503),
    ),
    contentType: fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      fc.constantFrom(undefined, 'text/html', 'text/plain', 'application/json; charset=utf-16'),
    ),
    retryAfter: fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      fc.constantFrom('0', '30', '-5', 'soon', 'Wed, 21 Oct 2015 07:28:00 GMT', '1e400'),
    ),
    body: fc.oneof(
      { weight: 12, arbitrary: good as fc.Arbitrary<BodyPlan> },
      ...(otherBodies as { weight: number; arbitrary: fc.Arbitrary<BodyPlan> }[]),
    ),
    delivery: deliveryOf(timeout),
  });
}

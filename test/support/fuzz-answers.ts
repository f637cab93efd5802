// Whop's answers for the fuzz suite: the happy ones, and random ones (any status, content type,
// shape, type and size, slow, cut off or never sent, error bodies that quote what they were
// sent), for the token, profile, JWKS and revoke endpoints.
import fc from 'fast-check';
import type { Answer, Delivery, Received } from './fuzz-whop.js';
import { marker } from './fuzz.js';
import { jwksOf, signIdToken, type TestKey } from './id-tokens.js';
import { hugeText, loneSurrogate, unsafeText, weirdText } from './fuzz-text.js';

/** What an answer may use: the login's nonce, Whop's key and another, and what to record. */
export interface AnswerContext {
  readonly nonce: string | undefined;
  readonly key: TestKey;
  readonly otherKey: TestKey;
  /** Called with every token the answer issues (a secret of the exchange). */
  issue(token: string): string;
}

const JSON_TYPE = { 'content-type': 'application/json' };

function json(body: unknown, status = 200): Answer {
  return { status, headers: JSON_TYPE, body: JSON.stringify(body) };
}

/** Whop's token answer for a login or refresh: fresh marked tokens, and an ID token in OAuth 2.1. */
export async function happyToken(context: AnswerContext, oauth21: boolean): Promise<Answer> {
  const token: Record<string, unknown> = {
    access_token: context.issue(`${marker()}access`),
    token_type: 'bearer',
    expires_in: 3600,
    refresh_token: context.issue(`${marker()}refresh`),
  };
  if (oauth21) {
    token.scope = 'openid profile email';
    token.id_token = context.issue(
      await signIdToken({ nonce: context.nonce }, { key: context.key }),
    );
  }
  return json(token);
}

export function happyProfile(oauth21: boolean): Answer {
  return json(
    oauth21
      ? { sub: 'user_fuzz', preferred_username: 'fuzz', name: 'Fuzz', email: 'f@example.com' }
      : { id: 'user_fuzz', username: 'fuzz', name: 'Fuzz', email: 'f@example.com' },
  );
}

export function happyJwks(context: AnswerContext): Answer {
  return json(jwksOf(context.key));
}

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
      .oneof(weirdText, loneSurrogate, fc.constantFrom('\r\n', '\0', '\u00e9', 'x y'))
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

const BODY_FIELDS = ['access_token', 'refresh_token', 'token_type', 'scope'] as const;

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
  | { readonly kind: 'error'; readonly shape: string; readonly quote: readonly string[] }
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

/** The quote of `names` from the request: what a careless Whop echoes back. */
function quoteOf(names: readonly string[], request: Received): string {
  const said = names.map((name) => {
    const value = name === 'bearer' ? request.bearer : request.form[name];
    return value === undefined ? '' : `${name} ${value} is not valid`;
  });
  return said.filter(Boolean).join('; ') || 'no quote';
}

function errorText(shape: string, quote: string): string {
  switch (shape) {
    case 'rfc6749':
      return JSON.stringify({
        error: 'invalid_grant',
        error_description: `Authorization code was rejected: ${quote}`,
      });
    case 'in-code':
      return JSON.stringify({ error: quote });
    case 'in-uri':
      return JSON.stringify({ error: 'invalid_client', error_uri: `https://whop.com/e?${quote}` });
    case 'v1':
      return JSON.stringify({ error: { type: 'invalid_token', message: quote } });
    case 'v2':
      return JSON.stringify({ error: { status: 401, message: quote } });
    case 'v5':
      return JSON.stringify({ message: quote });
    case 'text':
      return quote;
    default:
      return `<html><body><h1>Error</h1><p>${quote}</p></body></html>`;
  }
}

/** A JSON object written by hand, so that `__proto__` is a key of the text. */
function objectText(entries: readonly (readonly [string, unknown])[]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
}

function applyChange(
  name: string,
  good: unknown,
  change: { kind: string; value?: unknown; tail?: string },
): [string, unknown][] {
  if (change.kind === 'drop') return [];
  if (change.kind === 'set') return [[name, change.value]];
  if (change.kind === 'tail') return [[name, `${String(good)}${change.tail}`]];
  return [[name, good]];
}

async function idTokenOf(kind: string, context: AnswerContext): Promise<unknown> {
  switch (kind) {
    case 'good':
      return signIdToken({ nonce: context.nonce }, { key: context.key });
    case 'wrong-nonce':
      return signIdToken({ nonce: 'another login' }, { key: context.key });
    case 'other-key':
      return signIdToken({ nonce: context.nonce }, { key: context.otherKey, kid: context.key.kid });
    case 'expired':
      return signIdToken({ nonce: context.nonce }, { key: context.key, expiresIn: -600 });
    case 'garbage':
      return `${marker()}a.b.c`;
    default:
      return undefined;
  }
}

async function bodyOf(
  plan: BodyPlan,
  request: Received,
  context: AnswerContext,
  oauth21: boolean,
): Promise<string | Buffer> {
  switch (plan.kind) {
    case 'token': {
      const goods: Record<(typeof BODY_FIELDS)[number], unknown> = {
        access_token: `${marker()}access`,
        refresh_token: `${marker()}refresh`,
        token_type: 'bearer',
        scope: oauth21 ? 'openid profile email' : 'biz_fuzz1',
      };
      const entries: [string, unknown][] = [...plan.hostile];
      const changed = new Map(plan.changes);
      for (const name of BODY_FIELDS)
        entries.push(...applyChange(name, goods[name], changed.get(name) ?? { kind: 'keep' }));
      if (plan.expiresIn !== undefined) entries.push(['expires_in', plan.expiresIn]);
      if (oauth21) {
        const idToken = await idTokenOf(plan.idToken, context);
        if (idToken !== undefined) entries.push(['id_token', idToken]);
      }
      entries.push(...plan.extra);
      for (const [name, value] of entries)
        if (/token/.test(name) && typeof value === 'string') context.issue(value);
      return objectText(entries);
    }
    case 'profile': {
      const [idName, nameName] = oauth21 ? ['sub', 'preferred_username'] : ['id', 'username'];
      return objectText([
        ...plan.hostile,
        ...applyChange(idName, 'user_fuzz', plan.change),
        [nameName, 'fuzz'],
      ]);
    }
    case 'jwks':
      if (plan.which === 'good') return JSON.stringify(jwksOf(context.key));
      if (plan.which === 'other') return JSON.stringify(jwksOf(context.otherKey));
      return plan.which === 'empty' ? '{"keys":[]}' : '{"keys":{}}';
    case 'error':
      return errorText(plan.shape, quoteOf(plan.quote, request));
    case 'raw':
      return plan.text;
    case 'bytes':
      return Buffer.from(plan.bytes);
    case 'oversized':
      return Buffer.alloc(1024 * 1024 + 1, 0x20);
  }
}

/** The answer a plan describes, for this request. */
export async function answerOf(
  plan: AnswerPlan,
  request: Received,
  context: AnswerContext,
  oauth21: boolean,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (plan.contentType !== undefined) headers['content-type'] = plan.contentType;
  if (plan.retryAfter !== undefined) headers['retry-after'] = plan.retryAfter;
  return {
    status: plan.status,
    headers,
    body: await bodyOf(plan.body, request, context, oauth21),
    delivery: plan.delivery,
  };
}

// Random callbacks to the strategy: the query (or POSTed form or JSON) Whop's redirect carries,
// with repeated keys, arrays and objects as Express's simple and extended parsers make them,
// huge and binary values, CR/LF, and keys aimed at prototypes.
import fc from 'fast-check';
import { marker } from './fuzz.js';
import { encode, hugeText, injection, percentBytes, unsafeText, weirdText } from './fuzz-text.js';

/** The company a fuzzed legacy login may ask for, and one it did not ask for. */
export const COMPANY = 'biz_fuzz1';
export const OTHER_COMPANY = 'biz_other2';

/** A value in the callback; `code` is a fresh marked code (a secret), `state` the login's. */
export type Value =
  | { readonly kind: 'code'; readonly tail: string }
  | { readonly kind: 'state' }
  | { readonly kind: 'company' | 'otherCompany' }
  | { readonly kind: 'text'; readonly encoded: string };

export interface Param {
  readonly name: string;
  /** `''` for `name=`, or the brackets of qs: `[]`, `[0]`, `[x]`, `[x][y]`. */
  readonly shape: string;
  readonly value: Value;
}

/** A JSON body's value: the code or state, or anything. */
export type JsonSpec =
  | Value
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'array' | 'object'; readonly items: readonly JsonSpec[] };

export type CallbackPlan =
  | { readonly transport: 'query' | 'form'; readonly params: readonly Param[] }
  | { readonly transport: 'json'; readonly entries: readonly (readonly [string, JsonSpec])[] };

const text = (arbitrary: fc.Arbitrary<string>) =>
  arbitrary.map((value): Value => ({ kind: 'text', encoded: encode(value) }));
const anyText = fc.oneof(
  text(weirdText),
  text(injection),
  text(hugeText),
  text(fc.constant('')),
  percentBytes.map((encoded): Value => ({ kind: 'text', encoded })),
);
// Every code is marked (fresh in each run): a code seen in an earlier run is rightly refused.
const tail = (arbitrary: fc.Arbitrary<string>) =>
  arbitrary.map((t): Value => ({ kind: 'code', tail: t }));
const codeValue = fc.oneof(
  { weight: 6, arbitrary: tail(fc.constant('')) },
  { weight: 2, arbitrary: tail(weirdText.map(encode)) },
  { weight: 1, arbitrary: tail(hugeText.map(encode)) },
  { weight: 1, arbitrary: tail(injection.map(encode)) },
  { weight: 1, arbitrary: tail(percentBytes) },
  { weight: 1, arbitrary: fc.constant<Value>({ kind: 'text', encoded: '' }) },
);
const stateValue = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Value>({ kind: 'state' }) },
  anyText,
);
const scopeValue = fc.oneof(
  fc.constantFrom<Value>({ kind: 'company' }, { kind: 'otherCompany' }),
  anyText,
);
const errorValue = fc.oneof(
  text(
    fc.constantFrom('access_denied', 'server_error', 'invalid_scope', 'temporarily_unavailable'),
  ),
  anyText,
);
const shape = fc.constantFrom('[]', '[0]', '[1]', '[x]', '[x][y]', '%5B%5D');

/** A parameter `name`: missing, once, repeated, or in brackets, each with `weights`. */
function param(
  name: string,
  value: fc.Arbitrary<Value>,
  weights: { missing: number; once: number },
): fc.Arbitrary<Param[]> {
  return fc.oneof(
    { weight: weights.missing, arbitrary: fc.constant<Param[]>([]) },
    { weight: weights.once, arbitrary: value.map((v) => [{ name, shape: '', value: v }]) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.record({ shape: fc.oneof(fc.constant(''), shape), value }), {
          minLength: 2,
          maxLength: 3,
        })
        .map((list) => list.map((p) => ({ name, ...p }))),
    },
    { weight: 1, arbitrary: fc.record({ shape, value }).map((p) => [{ name, ...p }]) },
  );
}

// Not a name the strategy reads: those come from the generators above, with marked codes.
const junkName = fc.oneof(
  weirdText.filter((name) => !/^\s*(code|state|scope|error)/.test(name)),
  fc.constantFrom(
    '__proto__',
    '__proto__[polluted]',
    'constructor[prototype][polluted]',
    'hasOwnProperty',
    'toString',
    'error_uri',
    'iss',
    'session_state',
  ),
);
const junk = fc.array(
  fc.record({ name: junkName, shape: fc.oneof(fc.constant(''), shape), value: anyText }),
  { maxLength: 3 },
);

const params: fc.Arbitrary<Param[]> = fc
  .tuple(
    param('code', codeValue, { missing: 1, once: 12 }),
    param('state', stateValue, { missing: 1, once: 12 }),
    param('scope', scopeValue, { missing: 6, once: 3 }),
    param('error', errorValue, { missing: 14, once: 2 }),
    param('error_description', anyText, { missing: 8, once: 2 }),
    junk,
    fc.boolean(),
  )
  .map(([code, state, scope, error, description, extra, reversed]) => {
    const all = [...code, ...state, ...scope, ...error, ...description, ...extra];
    return reversed ? all.reverse() : all;
  });

const jsonSpec: fc.Arbitrary<JsonSpec> = fc.letrec<{ spec: JsonSpec }>((tie) => ({
  spec: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: fc.constant<JsonSpec>({ kind: 'code', tail: '' }) },
    unsafeText.map((t): JsonSpec => ({ kind: 'code', tail: t })),
    fc.constant<JsonSpec>({ kind: 'state' }),
    fc
      .oneof(fc.jsonValue({ maxDepth: 2 }), unsafeText)
      .map((value): JsonSpec => ({ kind: 'json', value })),
    fc
      .record({
        kind: fc.constantFrom('array' as const, 'object' as const),
        items: fc.array(tie('spec'), { maxLength: 3 }),
      })
      .map((spec): JsonSpec => spec),
  ),
})).spec;

const jsonEntries = fc
  .tuple(
    fc.option(jsonSpec, { nil: undefined }),
    fc.option(fc.oneof(fc.constant<JsonSpec>({ kind: 'state' }), jsonSpec), { nil: undefined }),
    fc.array(fc.tuple(junkName, jsonSpec), { maxLength: 2 }),
  )
  .map(([code, state, extra]) => [
    ...(code ? [['code', code] as const] : []),
    ...(state ? [['state', state] as const] : []),
    ...extra,
  ]);

/** A callback: mostly a query, sometimes a POSTed form or JSON body. */
export const callbackPlan: fc.Arbitrary<CallbackPlan> = fc.oneof(
  { weight: 6, arbitrary: params.map((p): CallbackPlan => ({ transport: 'query', params: p })) },
  { weight: 1, arbitrary: params.map((p): CallbackPlan => ({ transport: 'form', params: p })) },
  {
    weight: 1,
    arbitrary: jsonEntries.map((e): CallbackPlan => ({ transport: 'json', entries: e })),
  },
);

/** What one login gives a callback: its state and company. */
export interface LoginValues {
  readonly state: string;
}

/** A callback plan made concrete: the request, and the codes it carries (each a secret). */
export interface Callback {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly codes: string[];
}

export function materialize(plan: CallbackPlan, path: string, login: LoginValues): Callback {
  const codes: string[] = [];
  const raw = (value: Value): string => {
    switch (value.kind) {
      case 'code': {
        const code = marker();
        codes.push(code);
        return `${code}${value.tail}`;
      }
      case 'state':
        return login.state;
      case 'company':
        return COMPANY;
      case 'otherCompany':
        return OTHER_COMPANY;
      case 'text':
        return value.encoded;
    }
  };
  if (plan.transport === 'json') {
    const json = (spec: JsonSpec): unknown => {
      if (spec.kind === 'json') return spec.value;
      if (spec.kind === 'array' || spec.kind === 'object') {
        const items = spec.items.map(json);
        return spec.kind === 'array'
          ? items
          : Object.fromEntries(items.map((v, i) => [`k${i}`, v]));
      }
      if (spec.kind === 'state') return login.state;
      if (spec.kind === 'text') return decodeURIComponentSafe(spec.encoded);
      if (spec.kind === 'code') {
        const code = `${marker()}${spec.tail}`;
        codes.push(code);
        return code;
      }
      return raw(spec as Value);
    };
    // Written by hand so that `__proto__` is a key of the text, as an attacker sends it.
    const body = `{${plan.entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(json(v))}`).join(',')}}`;
    return { method: 'POST', path, headers: { 'content-type': 'application/json' }, body, codes };
  }
  const pairs = plan.params.map((p) => `${encode(p.name)}${p.shape}=${raw(p.value)}`).join('&');
  if (plan.transport === 'form') {
    return {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: pairs,
      codes,
    };
  }
  return { method: 'GET', path: `${path}?${pairs}`, headers: {}, codes };
}

function decodeURIComponentSafe(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

// Errors an app raises with the login's secrets in them, for the fuzz suite: any class (a
// subclass, another realm's, a plain object, a string), the secrets in any field (hidden or not,
// nested, a key, an AggregateError's errors, a cause at any depth), written in any form.
import { inspect } from 'node:util';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';

/** How a secret is written: the forms docs/security.md lists. */
export const FORMS = {
  plain: (s: string) => s,
  percent: (s: string) => encodeURIComponent(s.replace(/\p{Cs}/gu, '\ufffd')),
  'percent-lower': (s: string) =>
    encodeURIComponent(s.replace(/\p{Cs}/gu, '\ufffd')).replace(/%[0-9A-F]{2}/g, (h) =>
      h.toLowerCase(),
    ),
  form: (s: string) =>
    new URLSearchParams({ s: s.replace(/\p{Cs}/gu, '\ufffd') }).toString().slice(2),
  json: (s: string) => JSON.stringify(s).slice(1, -1),
  'json-twice': (s: string) => JSON.stringify(JSON.stringify(s).slice(1, -1)).slice(1, -1),
  html: (s: string) =>
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;'),
  inspect: (s: string) => inspect(s).slice(1, -1),
  base64: (s: string) => Buffer.from(s).toString('base64'),
  base64url: (s: string) => Buffer.from(s).toString('base64url'),
} as const;

export type Form = keyof typeof FORMS;

/** Where the secrets go. */
const PLACES = [
  'message',
  'field',
  'hidden',
  'nested',
  'array',
  'instance',
  'key',
  'cause',
  'errors',
] as const;

/** The secrets of a login an app can know (the code and state from the request, its tokens). */
export const SECRET_NAMES = ['code', 'state', 'access', 'refresh', 'id', 'basic'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export interface AppErrorPlan {
  /** How verify raises it: throws, passes it to `done`, or returns a rejected promise. */
  readonly raise: 'throw' | 'done' | 'reject';
  readonly root: 'Error' | 'TypeError' | 'AppError' | 'vm' | 'object' | 'string';
  readonly place: (typeof PLACES)[number];
  /** Errors between the one raised and the one holding the secrets, for `cause`. */
  readonly depth: number;
  readonly frozen: boolean;
  readonly form: Form;
  readonly secrets: readonly SecretName[];
}

export const appErrorPlan: fc.Arbitrary<AppErrorPlan> = fc.record({
  raise: fc.constantFrom('throw', 'done', 'reject'),
  root: fc.constantFrom('Error', 'TypeError', 'AppError', 'vm', 'object', 'string'),
  place: fc.constantFrom(...PLACES),
  depth: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 4, max: 40 })),
  frozen: fc.boolean(),
  form: fc.constantFrom(...(Object.keys(FORMS) as Form[])),
  secrets: fc.subarray([...SECRET_NAMES], { minLength: 1 }),
});

class AppError extends Error {
  readonly detail = 'an app error with a field of its own';
}

class Reply {
  constructor(readonly body: string) {}
}

function rootOf(plan: AppErrorPlan, message: string): Record<string, unknown> {
  switch (plan.root) {
    case 'TypeError':
      return new TypeError(message) as never;
    case 'AppError':
      return new AppError(message) as never;
    case 'vm':
      return runInNewContext('new Error(message)', { message }) as Record<string, unknown>;
    case 'object':
      return { message };
    default:
      return new Error(message) as never;
  }
}

/** The error `plan` describes, holding `text` (the secrets, written in the plan's form). */
export function appError(plan: AppErrorPlan, text: string): unknown {
  if (plan.root === 'string') return `the app failed: ${text}`;
  const freeze = <T extends object>(value: T): T => (plan.frozen ? Object.freeze(value) : value);
  if (plan.place === 'errors') {
    return freeze(new AggregateError([new Error(`one: ${text}`), `two: ${text}`], 'app failed'));
  }
  const error = rootOf(plan, plan.place === 'message' ? `app failed: ${text}` : 'app failed');
  switch (plan.place) {
    case 'field':
      error.detail = text;
      break;
    case 'hidden':
      Object.defineProperty(error, 'request', { value: text, writable: true, configurable: true });
      break;
    case 'nested':
      error.response = { status: 400, body: { said: text } };
      break;
    case 'array':
      error.list = ['first', text];
      break;
    case 'instance':
      error.reply = new Reply(text);
      break;
    case 'key':
      error.seen = { [text]: true };
      break;
    case 'cause': {
      let cause: Error = freeze(new Error(`deepest: ${text}`));
      for (let i = 0; i < plan.depth; i++) cause = new Error(`level ${i}`, { cause });
      error.cause = cause;
      break;
    }
  }
  return freeze(error);
}

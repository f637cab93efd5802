// Whop's answers for the fuzz suite, made for each request: the happy ones, and those a plan of
// fuzz-answers.ts describes (with the request's own secrets quoted back, and the login's nonce).
import type { Answer, Received } from './fuzz-whop.js';
import { BODY_FIELDS, type AnswerPlan, type BodyPlan } from './fuzz-answers.js';
import { marker } from './fuzz.js';
import { jwksOf, signIdToken, type TestKey } from './id-tokens.js';

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
      await signIdToken({ nonce: context.nonce, sub: 'user_fuzz' }, { key: context.key }),
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
      return signIdToken({ nonce: context.nonce, sub: 'user_fuzz' }, { key: context.key });
    case 'wrong-nonce':
      return signIdToken({ nonce: 'another login', sub: 'user_fuzz' }, { key: context.key });
    case 'other-key':
      return signIdToken(
        { nonce: context.nonce, sub: 'user_fuzz' },
        { key: context.otherKey, kid: context.key.kid },
      );
    case 'expired':
      return signIdToken(
        { nonce: context.nonce, sub: 'user_fuzz' },
        { key: context.key, expiresIn: -600 },
      );
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
      return errorText(plan.shape, `${'p'.repeat(plan.pad)}${quoteOf(plan.quote, request)}`);
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

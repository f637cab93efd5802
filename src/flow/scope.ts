import { isCompanyId, type WhopFlow } from '../options.js';

/** RFC 6749 section 3.3: printable ASCII but space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** The OpenID scopes an OAuth 2.1 login asks for when its `scope` names none. */
export const DEFAULT_OPENID_SCOPES: readonly string[] = ['openid', 'profile', 'email'];

/** A `scope` (the option's, or one passed to `authenticate()`) taken apart. */
export interface ParsedScope {
  /** The scope tokens, without the company: Whop permission scopes, or OpenID scopes. */
  readonly scopes: readonly string[];
  /** The company (`biz_...`) among them, if any. */
  readonly company: string | undefined;
}

/**
 * A `scope` as passport-oauth2 takes it (a string, or an array it joins with the
 * `scopeSeparator`) taken apart; undefined when it is not scope tokens and at most one company.
 * A string is split on spaces and on the separator.
 */
export function parseScope(value: unknown, separator: string): ParsedScope | undefined {
  if (value === undefined || value === null || value === '')
    return { scopes: [], company: undefined };
  let entries: unknown[];
  if (typeof value === 'string') {
    const parts = separator === ' ' ? [value] : value.split(separator);
    entries = parts.flatMap((part) => part.split(' ')).filter(Boolean);
  } else if (Array.isArray(value)) entries = value;
  else return undefined;
  const scopes: string[] = [];
  let company: string | undefined;
  for (const entry of entries) {
    if (isCompanyId(entry)) {
      if (company !== undefined && company !== entry) return undefined;
      company = entry;
    } else if (typeof entry === 'string' && SCOPE_TOKEN.test(entry) && !entry.startsWith('biz_')) {
      if (!scopes.includes(entry)) scopes.push(entry);
    } else return undefined;
  }
  return { scopes, company };
}

/**
 * Whether a scope that {@link parseScope} refused has an entry that starts with `biz_` but is no
 * company ID: permission scopes are let in beside the company, so a mistyped company would
 * otherwise read as one more scope, and only Whop's refusal would tell.
 */
export function hasMistypedCompany(value: unknown, separator: string): boolean {
  const entries =
    typeof value === 'string' ? value.split(separator).flatMap((part) => part.split(' ')) : value;
  return (
    Array.isArray(entries) &&
    entries.some(
      (entry) => typeof entry === 'string' && entry.startsWith('biz_') && !isCompanyId(entry),
    )
  );
}

/** What one login asks Whop for: the `scope` parameter, and the company. */
export interface LoginScope {
  /** Sent as `scope` (legacy: with the company; OAuth 2.1: the OpenID scopes only). */
  readonly scope: string | undefined;
  /** Sent inside `scope` (legacy) or as `company_id` (OAuth 2.1), and checked on the callback. */
  readonly company: string | undefined;
}

/**
 * The scope of one login, from the `scope` passed to `authenticate()` or else the strategy's
 * (`_scope`), as passport-oauth2 picks it (`options.scope || this._scope`). A scope passed to
 * `authenticate()` that names only a company keeps the strategy's other scopes (this package's
 * documented way to pick the company per request); any other replaces the strategy's, as in
 * passport-oauth2. Undefined when a scope is not scope tokens and at most one company.
 */
export function loginScope(
  flow: WhopFlow,
  requested: unknown,
  strategyScope: unknown,
  separator: string,
): LoginScope | undefined {
  const own = parseScope(strategyScope, separator);
  if (own === undefined) return undefined;
  let parsed = own;
  if (requested) {
    const asked = parseScope(requested, separator);
    if (asked === undefined) return undefined;
    parsed = asked.scopes.length === 0 ? { scopes: own.scopes, company: asked.company } : asked;
  }
  const { company } = parsed;
  if (flow === 'oauth2.1') {
    const scopes = parsed.scopes.length > 0 ? parsed.scopes : DEFAULT_OPENID_SCOPES;
    return { scope: scopes.join(separator), company };
  }
  const entries = company === undefined ? parsed.scopes : [...parsed.scopes, company];
  return { scope: entries.length > 0 ? entries.join(separator) : undefined, company };
}

/**
 * {@link loginScope}, with the strategy's own scope worked out once for as long as `_scope` (a
 * string) and the separator stay the same: most logins ask for nothing else.
 */
export class LoginScopes {
  private scope: unknown = Symbol('none yet');
  private separator = '';
  private value: LoginScope | undefined;

  constructor(private readonly flow: WhopFlow) {}

  of(requested: unknown, strategyScope: unknown, separator: string): LoginScope | undefined {
    // An array may change in place: worked out at each login.
    if (requested || Array.isArray(strategyScope))
      return loginScope(this.flow, requested, strategyScope, separator);
    if (strategyScope !== this.scope || separator !== this.separator) {
      this.value = loginScope(this.flow, undefined, strategyScope, separator);
      this.scope = strategyScope;
      this.separator = separator;
    }
    return this.value;
  }
}

// Where an embedded app's request carries Whop's user token: the header Whop's proxy sets
// (`x-whop-user-token`), else the cookie Whop's dev proxy sets (`whop_user_token`). Never the
// query string: a token in a URL ends up in logs and Referer headers.

/** What a request looks like to the token source: Node's, Express's, Fastify's, Koa's. */
export interface HeaderCarrier {
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Set by cookie-parser (Express) or @fastify/cookie; read when it holds strings. */
  readonly cookies?: unknown;
}

/** The token found, or why none could be taken (`several`: two different values). */
export type TokenSource =
  { readonly token: string } | { readonly token?: undefined; readonly several: boolean };

const NONE: TokenSource = Object.freeze({ several: false });
const SEVERAL: TokenSource = Object.freeze({ several: true });

/** One value of a header that may be a string, a list (a plain object's, or repeated), or absent. */
function single(value: unknown): TokenSource {
  if (typeof value === 'string') return value === '' ? NONE : { token: value };
  if (!Array.isArray(value)) return NONE;
  const values = [...new Set(value.filter((v): v is string => typeof v === 'string' && v !== ''))];
  if (values.length === 0) return NONE;
  return values.length === 1 ? { token: values[0]! } : SEVERAL;
}

/** A cookie's value from a `Cookie` header, the first of that name, percent-decoded when it can be. */
export function cookieValue(header: unknown, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (typeof text !== 'string') return undefined;
  for (const pair of text.split(';')) {
    const at = pair.indexOf('=');
    if (at === -1 || pair.slice(0, at).trim() !== name) continue;
    let value = pair.slice(at + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

/**
 * The user token of `req`: the header `headerName` (lower case, as Node keeps header names),
 * else the cookie `cookieName`, from a cookie parser's `req.cookies` or the `Cookie` header.
 */
export function userTokenOf(req: HeaderCarrier, headerName: string, cookieName: string) {
  const headers = req.headers ?? {};
  const fromHeader = single(headers[headerName]);
  if (fromHeader.token !== undefined || fromHeader.several) return fromHeader;
  const cookies = req.cookies;
  if (typeof cookies === 'object' && cookies !== null && Object.hasOwn(cookies, cookieName)) {
    const parsed = single((cookies as Record<string, unknown>)[cookieName]);
    if (parsed.token !== undefined) return parsed;
  }
  return single(cookieValue(headers.cookie, cookieName));
}

import { stringify } from 'node:querystring';
import { format, parse, resolve } from 'node:url';
import type { Request } from 'express';

// The two URLs of each login, built as passport-oauth2 builds them (same strings, checked side
// by side in test/urls.test.ts) with the parsing done once per strategy rather than per request.

/**
 * The authorize page's URL with a login's parameters: the configured URL's own query first,
 * then `params`, then `client_id`, as passport-oauth2's `url.format` of the merged query.
 */
export class AuthorizeURL {
  private readonly prefix: string;
  private readonly query: Readonly<Record<string, unknown>>;
  private readonly hash: string;

  constructor(
    authorizationURL: string,
    private readonly clientID: string,
  ) {
    const parsed = parse(authorizationURL, true);
    this.query = { ...parsed.query };
    this.hash = parsed.hash ?? '';
    this.prefix = format({ ...parsed, search: null, query: null, hash: null });
  }

  with(params: Readonly<Record<string, unknown>>): string {
    const query: Record<string, unknown> = { ...this.query, ...params };
    query.client_id = this.clientID;
    return `${this.prefix}?${stringify(query as Record<string, string>)}${this.hash}`;
  }
}

/** What passport-oauth2 reads of a request to resolve a relative callback URL. */
type OriginRequest = Pick<Request, 'headers' | 'url' | 'socket'> & {
  readonly app?: { get?: (setting: string) => unknown };
};

/**
 * The request's `protocol://host`, as passport-oauth2's `utils.originalURL` reads it:
 * `X-Forwarded-Proto` and `X-Forwarded-Host` count only behind a trusted proxy (the strategy's
 * `proxy` option, or Express's `trust proxy` setting).
 */
function originOf(req: OriginRequest, proxy: boolean): string {
  const trusted = proxy || Boolean(req.app?.get?.('trust proxy'));
  const forwardedProto = req.headers['x-forwarded-proto'];
  const proto = typeof forwardedProto === 'string' ? forwardedProto.toLowerCase() : '';
  const tls =
    (req.socket as { encrypted?: boolean } | undefined)?.encrypted ||
    (trusted && proto.split(/\s*,\s*/)[0] === 'https');
  const host = (trusted && req.headers['x-forwarded-host']) || req.headers.host;
  return `${tls ? 'https' : 'http'}://${host}`;
}

// A lowercase host and a plain path come out of `url.resolve` as they went in; anything else
// (uppercase, dot segments, characters it escapes) goes through `url.resolve` itself.
const PLAIN_HOST = /^https?:\/\/[a-z0-9.-]{1,255}(?::[0-9]{1,5})?$/;
const PLAIN_PATH = /^\/(?!\/)[\w\-.~!$&()*+,;=:@%/]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/**
 * The callback URL of a request: an absolute `callbackURL` as it is, a path resolved against the
 * request's origin, as passport-oauth2 resolves it.
 */
export function callbackURLOf(req: OriginRequest, callbackURL: string, proxy: boolean): string {
  if (!callbackURL.startsWith('/')) return callbackURL;
  const origin = originOf(req, proxy);
  if (PLAIN_HOST.test(origin) && isPlainPath(callbackURL)) return `${origin}${callbackURL}`;
  return resolve(`${origin}${req.url ?? ''}`, callbackURL);
}

// The callback paths seen: a strategy's own, and any passed to authenticate().
const plainPaths = new Map<string, boolean>();
const MAX_PATHS = 64;

function isPlainPath(path: string): boolean {
  let plain = plainPaths.get(path);
  if (plain === undefined) {
    plain = PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path);
    if (plainPaths.size >= MAX_PATHS) plainPaths.clear();
    plainPaths.set(path, plain);
  }
  return plain;
}

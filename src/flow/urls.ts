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

/**
 * The authorize URL of `_oauth2` (its `_authorizeUrl` and `_clientId`, read at each redirect),
 * parsed once for as long as they stay the same.
 */
export class AuthorizeURLs {
  private url = '';
  private clientID = '';
  private parsed: AuthorizeURL | undefined;

  of(oauth2: { readonly _authorizeUrl: string; readonly _clientId: string }): AuthorizeURL {
    const { _authorizeUrl: url, _clientId: clientID } = oauth2;
    if (this.parsed === undefined || url !== this.url || clientID !== this.clientID) {
      this.parsed = new AuthorizeURL(url, clientID);
      this.url = url;
      this.clientID = clientID;
    }
    return this.parsed;
  }
}

/** What passport-oauth2 reads of a request to resolve a relative callback URL. */
type OriginRequest = Pick<Request, 'headers' | 'socket'> & {
  readonly url?: string;
  readonly app?: { get?: (setting: string) => unknown };
};

// A host as RFC 3986 allows it in a URL (a name, IPv4, or [IPv6]), with an optional port.
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?$/;

function isHost(host: unknown): host is string {
  if (typeof host !== 'string') return false;
  const match = HOST.exec(host);
  return match !== null && (match[1] === undefined || Number(match[1]) <= 65535);
}

/**
 * The request's `protocol://host`, as passport-oauth2's `utils.originalURL` reads it:
 * `X-Forwarded-Proto` and `X-Forwarded-Host` count only behind a trusted proxy (the strategy's
 * `proxy` option, or Express's `trust proxy` setting). Undefined for a host that is no host.
 */
function originOf(req: OriginRequest, proxy: boolean): string | undefined {
  const trusted = proxy || Boolean(req.app?.get?.('trust proxy'));
  const forwardedProto = req.headers['x-forwarded-proto'];
  const proto = typeof forwardedProto === 'string' ? forwardedProto.toLowerCase() : '';
  const tls =
    (req.socket as { encrypted?: boolean } | undefined)?.encrypted ||
    (trusted && proto.split(/\s*,\s*/)[0] === 'https');
  const host = (trusted && req.headers['x-forwarded-host']) || req.headers.host;
  if (!isHost(host)) return undefined;
  return `${tls ? 'https' : 'http'}://${host}`;
}

// A lowercase host and a plain path come out of `url.resolve` as they went in; anything else
// (uppercase, dot segments, characters it escapes) goes through `url.resolve` itself.
const PLAIN_HOST = /^https?:\/\/[a-z0-9.-]{1,255}(?::[0-9]{1,5})?$/;
const PLAIN_PATH = /^\/(?!\/)[\w\-.~!$&()*+,;=:@%/]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/** @internal Why a login fails when `callbackURLOf` finds no URL. */
export const NO_CALLBACK_HOST =
  'The request has no valid Host (or X-Forwarded-Host) to build the callback URL on';

/**
 * The callback URL of a request, as passport-oauth2 resolves it: a URL with a scheme as it is,
 * anything else resolved against the request's URL (a path starting with `/` against its
 * origin only, without parsing the request's query). Undefined when the request's `Host` (or
 * trusted `X-Forwarded-Host`) cannot make a URL: the login fails rather than throw an error
 * quoting the request's URL (its code and state).
 */
export function callbackURLOf(
  req: OriginRequest,
  callbackURL: string,
  proxy: unknown,
): string | undefined {
  if (callbackURL.startsWith('https://') || callbackURL.startsWith('http://')) return callbackURL;
  if (parse(callbackURL).protocol) return callbackURL;
  const origin = originOf(req, Boolean(proxy));
  if (origin === undefined) return undefined;
  const path = callbackURL.startsWith('/') && !callbackURL.startsWith('//');
  if (path && PLAIN_HOST.test(origin) && isPlainPath(callbackURL)) return `${origin}${callbackURL}`;
  if (!URL.canParse(`${origin}/`)) return undefined;
  try {
    // For a path starting with `/` only the origin counts, so the query (code, state) is left
    // out of `url.resolve`; any other relative URL is resolved against the whole URL.
    return resolve(path ? `${origin}/` : `${origin}${req.url ?? ''}`, callbackURL);
  } catch {
    return undefined;
  }
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

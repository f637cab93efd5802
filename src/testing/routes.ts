// Which handler answers which path, and how refusals are rendered: HTML pages on the authorize
// routes (never a redirect), RFC 6749 JSON bodies everywhere else.
import { ACCESS_PATH, accessCheck } from './access.js';
import { authorize } from './authorize.js';
import { legacyToken, me, parseLegacyAuthorization } from './legacy.js';
import type { MockContext } from './model.js';
import {
  discovery,
  jwks,
  oauth21Token,
  parseOAuth21Authorization,
  revoke,
  userinfo,
} from './oauth21.js';
import { errorPage } from './pages.js';
import { MockError, sendHTML, sendJSON, sendOAuthError, type Exchange } from './wire.js';

type Handler = (exchange: Exchange, context: MockContext) => void | Promise<void>;
interface Route {
  /** Refusals on pages are HTML (never a redirect); elsewhere RFC 6749 JSON bodies. */
  readonly page?: boolean;
  readonly GET?: Handler;
  readonly POST?: Handler;
}

const legacyAuthorize: Handler = (ex, ctx) => authorize(ex, ctx, parseLegacyAuthorization);
const oauth21Authorize: Handler = (ex, ctx) => authorize(ex, ctx, parseOAuth21Authorization);

const ROUTES: Readonly<Record<string, Route>> = {
  '/oauth': { page: true, GET: legacyAuthorize, POST: legacyAuthorize },
  '/api/v3/oauth/token': { POST: legacyToken },
  '/api/v5/me': { GET: me },
  // The same endpoints where Whop's current libraries (Auth.js, better-auth) send the legacy flow.
  '/v5/oauth/token': { POST: legacyToken },
  '/v5/me': { GET: me },
  '/oauth/authorize': { page: true, GET: oauth21Authorize, POST: oauth21Authorize },
  '/oauth/token': { POST: oauth21Token },
  '/oauth/userinfo': { GET: userinfo },
  '/oauth/revoke': { POST: revoke },
  '/.well-known/jwks.json': { GET: jwks },
  '/.well-known/openid-configuration': { GET: discovery },
};

/** Answer one request; nothing a client sends makes it throw. */
export async function route(exchange: Exchange, context: MockContext): Promise<void> {
  const { req, path } = exchange;
  const access = ACCESS_PATH.exec(path);
  if (access !== null) {
    if (req.method === 'GET') return accessCheck(exchange, context, access);
    return sendJSON(
      exchange,
      405,
      { error: { type: 'invalid_request', message: 'Use GET' } },
      { allow: 'GET' },
    );
  }
  const found = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
  const handler = req.method === 'GET' || req.method === 'POST' ? found?.[req.method] : undefined;
  try {
    if (found === undefined) {
      return sendJSON(exchange, 404, { error: 'not_found', error_description: 'No such route' });
    }
    if (handler === undefined) {
      const allow = ['GET', 'POST'].filter((m) => m in found).join(', ');
      return sendJSON(
        exchange,
        405,
        { error: 'invalid_request', error_description: `Use ${allow}` },
        { allow },
      );
    }
    await handler(exchange, context);
  } catch (error) {
    const refusal =
      error instanceof MockError ? error : new MockError(500, 'server_error', 'Mock Whop failed');
    if (found?.page) sendHTML(exchange, refusal.status, errorPage(refusal.message));
    else sendOAuthError(exchange, refusal);
  }
}

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeOpenIDProvider, TokenRefusal } from './fake-whop-oidc.js';
import {
  ACCESS_PATH,
  GITHUB_PROFILE_PATH,
  JWKS_PATH,
  OIDC_TOKEN_PATH,
  TOKEN_PATH,
  USERINFO_PATH,
  WHOP_PROFILE_PATH,
} from './paths.js';

// Answers are fixed strings, built once: the server should cost the same for every strategy
// and as little as possible. Shapes follow Whop's /api/v5/me and GitHub's GET /user.
const WHOP_PROFILE = JSON.stringify({
  id: 'user_Bench0001',
  username: 'bench',
  name: 'Bench User',
  email: 'bench@example.com',
  profile_pic_url: 'https://assets.whop.com/avatars/bench.png',
  created_at: 1700000000,
});
// Whop's access check, answered yes for every user and resource.
const ACCESS = JSON.stringify({ has_access: true, access_level: 'customer' });
const GITHUB_PROFILE = JSON.stringify({
  login: 'bench',
  id: 1000001,
  node_id: 'MDQ6VXNlcjEwMDAwMDE=',
  avatar_url: 'https://avatars.githubusercontent.com/u/1000001?v=4',
  html_url: 'https://github.com/bench',
  type: 'User',
  site_admin: false,
  name: 'Bench User',
  company: null,
  blog: '',
  location: null,
  email: 'bench@example.com',
  bio: null,
  public_repos: 1,
  followers: 0,
  following: 0,
  created_at: '2024-01-01T00:00:00Z',
  updated_at: '2024-01-01T00:00:00Z',
});

/** What the token endpoint has received, by `grant_type`. */
export interface TokenCounts {
  authorization_code: number;
  refresh_token: number;
  other: number;
}

export interface FakeWhop {
  readonly url: string;
  readonly tokenRequests: Readonly<TokenCounts>;
  /** How many access checks it has answered. */
  accessRequests(): number;
  /** How many times its JWKS was fetched. */
  jwksRequests(): number;
  resetCounts(): void;
  close(): Promise<void>;
}

function token(): string {
  return randomBytes(24).toString('base64url');
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** The form of a POST, then `answer` with it. */
function readForm(req: IncomingMessage, answer: (form: URLSearchParams) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => answer(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
}

function answerOIDCToken(res: ServerResponse, form: URLSearchParams, oidc: FakeOpenIDProvider) {
  try {
    send(res, 200, oidc.exchange(form, token));
  } catch (error) {
    if (!(error instanceof TokenRefusal)) throw error;
    // The app under test sent what Whop would refuse: its login fails, and so does the bench.
    send(res, 400, JSON.stringify({ error: 'invalid_grant', error_description: error.message }));
  }
}

function answerToken(res: ServerResponse, form: URLSearchParams, counts: TokenCounts): void {
  const grant = form.get('grant_type');
  if (grant === 'authorization_code' || grant === 'refresh_token') counts[grant] += 1;
  else counts.other += 1;
  send(
    res,
    200,
    JSON.stringify({
      access_token: token(),
      token_type: 'bearer',
      expires_in: 3600,
      refresh_token: token(),
      scope: 'openid',
    }),
  );
}

/**
 * A fake Whop (and GitHub) on 127.0.0.1: both of Whop's flows (bench/fake-whop-oidc.ts for OAuth
 * 2.1), the access check; answers at once, keeps connections alive, counts token requests.
 */
export async function startFakeWhop(): Promise<FakeWhop> {
  const counts: TokenCounts = { authorization_code: 0, refresh_token: 0, other: 0 };
  let accessRequests = 0;
  let jwksRequests = 0;
  const server: Server = createServer();
  // Longer than any client's idle timeout, so the server never closes a socket a client reuses.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  // The issuer is the server's own origin, known once it listens.
  const oidc = new FakeOpenIDProvider(url);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (req.method === 'POST' && path === TOKEN_PATH)
      return readForm(req, (form) => answerToken(res, form, counts));
    if (req.method === 'POST' && path === OIDC_TOKEN_PATH)
      return readForm(req, (form) => answerOIDCToken(res, form, oidc));
    if (req.method === 'GET' && path === USERINFO_PATH) {
      if (!req.headers.authorization?.startsWith('Bearer ')) {
        return send(res, 401, '{"error":"invalid_token"}');
      }
      return send(res, 200, oidc.userinfo);
    }
    if (path === JWKS_PATH) jwksRequests += 1;
    const published = req.method === 'GET' ? oidc.answerGet(path) : undefined;
    if (published !== undefined) return send(res, 200, published);
    if (req.method === 'GET' && ACCESS_PATH.test(path)) {
      if (!req.headers.authorization?.startsWith('Bearer ')) {
        return send(res, 401, '{"error":"unauthorized"}');
      }
      accessRequests += 1;
      return send(res, 200, ACCESS);
    }
    if (req.method === 'GET' && (path === WHOP_PROFILE_PATH || path === GITHUB_PROFILE_PATH)) {
      // Both strategies under test send the token in the header; a request without one is a bug.
      if (!req.headers.authorization?.startsWith('Bearer ')) {
        return send(res, 401, '{"error":"unauthorized"}');
      }
      return send(res, 200, path === WHOP_PROFILE_PATH ? WHOP_PROFILE : GITHUB_PROFILE);
    }
    send(res, 404, '{"error":"not_found"}');
  });
  return {
    url,
    tokenRequests: counts,
    accessRequests: () => accessRequests,
    jwksRequests: () => jwksRequests,
    resetCounts() {
      counts.authorization_code = 0;
      counts.refresh_token = 0;
      counts.other = 0;
      accessRequests = 0;
      jwksRequests = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

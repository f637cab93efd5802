// Whop user tokens made by the tests (each rule broken on purpose), a key server standing in for
// Whop's JWKS, and an Express app with WhopAppStrategy that answers what Passport saw.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Passport, type Strategy } from 'passport';
import { SignJWT, type JWK } from 'jose';
import type { TestKey } from './id-tokens.js';

export const APP_ID = 'app_test';
export const USER_ID = 'user_test_1';
export const ISSUER = 'urn:whopcom:exp-proxy';

/** The claims of a valid user token; `undefined` leaves a claim out. */
export interface UserTokenClaimsInput {
  iss?: unknown;
  aud?: unknown;
  sub?: unknown;
  exp?: unknown;
  [claim: string]: unknown;
}

/** Sign a user token (valid unless told otherwise) with `key`; `header` overrides the JOSE header. */
export function signUserToken(
  key: TestKey,
  claims: UserTokenClaimsInput = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const all: Record<string, unknown> = {
    iss: ISSUER,
    aud: APP_ID,
    sub: USER_ID,
    iat: now - 5,
    exp: now + 300,
    ...claims,
  };
  for (const name of Object.keys(all)) if (all[name] === undefined) delete all[name];
  return new SignJWT(all)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

/** An unsigned token (`alg: none`), as an attacker would send one. */
export function unsignedToken(claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const payload = { iss: ISSUER, aud: APP_ID, sub: USER_ID, exp: now + 300, ...claims };
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

/** A JWKS on loopback, standing in for Whop's: its keys can change, its fetches are counted. */
export interface KeyServer {
  readonly jwksURL: string;
  /** How many times the key set was fetched. */
  readonly fetches: number;
  /** The keys it serves from now on. */
  keys: JWK[];
  /** The status it answers with (200 unless set). */
  status: number;
  close(): Promise<void>;
}

export async function startKeyServer(...keys: TestKey[]): Promise<KeyServer> {
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches++;
    res.writeHead(state.status, { 'content-type': 'application/json' });
    res.end(state.status === 200 ? JSON.stringify({ keys: state.keys }) : '{"error":"down"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const state: KeyServer = {
    jwksURL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    keys: keys.map((key) => key.jwk),
    status: 200,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return state;
}

/** What Passport's custom callback saw for one request, or the status of a plain route. */
export interface AppOutcome {
  readonly status: number;
  readonly user?: Record<string, unknown>;
  readonly info?: { message?: string; code?: string };
  readonly error?: { name: string; message: string };
}

/**
 * An Express app with `strategy`, `session: false`: `GET /check` and `GET /check/:resource`
 * (per-request `requireAccess`) answer what Passport's custom callback saw; `GET /me` and
 * `GET /experiences/:experienceId` are the plain forms an app writes.
 */
export async function startAppStrategyApp(strategy: Strategy) {
  const passport = new Passport();
  passport.use(strategy);
  const errors: Error[] = [];
  const app = express();
  app.use(passport.initialize());
  const check =
    (options: Record<string, unknown>): express.RequestHandler =>
    (req, res, next) =>
      passport.authenticate(
        'whop-app',
        { session: false, ...options },
        (err: Error | null, user: unknown, info: unknown, status: unknown) => {
          if (err) {
            errors.push(err);
            return void res
              .status(500)
              .json({ status: 500, error: { name: err.name, message: err.message } });
          }
          if (!user) return void res.status(200).json({ status: status ?? 401, info });
          res.json({ status: 200, user });
        },
      )(req, res, next);
  app.get('/check', check({}));
  app.get('/check-any/:a/:b', (req, res, next) =>
    check({ requireAccess: [req.params.a, req.params.b] })(req, res, next),
  );
  // A route whose parameter is misnamed: requireAccess is present but undefined.
  app.get('/check-misnamed/:id', (req, res, next) =>
    check({ requireAccess: (req.params as Record<string, string>).experienceId })(req, res, next),
  );
  app.get('/check/:resource', (req, res, next) =>
    check({ requireAccess: req.params.resource })(req, res, next),
  );
  app.get('/me', passport.authenticate('whop-app', { session: false }), (req, res) =>
    res.json(req.user),
  );
  app.get(
    '/experiences/:experienceId',
    (req, res, next) =>
      passport.authenticate('whop-app', { session: false, requireAccess: req.params.experienceId })(
        req,
        res,
        next,
      ),
    (req, res) => res.json(req.user),
  );
  app.use(
    (err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(err);
      res.status(500).json({ status: 500, error: { name: err.name, message: err.message } });
    },
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    errors,
    /** What `/check` (or `path`) saw for a request with these headers. */
    async outcome(headers: Record<string, string> = {}, path = '/check'): Promise<AppOutcome> {
      const response = await fetch(`${url}${path}`, { headers });
      return (await response.json()) as AppOutcome;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

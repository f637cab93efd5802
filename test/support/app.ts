import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, {
  type NextFunction,
  type Request,
  type Response as ExpressResponse,
} from 'express';
import session from 'express-session';
import { Passport, type Strategy } from 'passport';

/** What the `/auth/whop/check` route saw: passport.authenticate's custom callback arguments. */
export interface Outcome {
  readonly error?: { name: string; message: string; status?: number; code?: string };
  readonly user?: unknown;
  readonly info?: { message?: string; state?: unknown };
  readonly status?: number;
}

export interface TestApp {
  readonly url: string;
  readonly errors: Error[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Mount express-session (default true). */
  readonly session?: boolean;
  /** Options for the route that starts the login. */
  readonly authorize?: Record<string, unknown>;
  /** Options for `/auth/whop/check`, which finishes it (such as a per-request `requireAccess`). */
  readonly callback?: Record<string, unknown>;
}

/**
 * An Express app as users write one: express-session, passport, the login and callback routes.
 * `/auth/whop/check` finishes the login with a custom callback and answers what passport saw.
 */
export async function startApp(strategy: Strategy, options: TestAppOptions = {}): Promise<TestApp> {
  const passport = new Passport();
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const useSession = options.session ?? true;
  const errors: Error[] = [];

  const app = express();
  if (useSession) {
    app.use(session({ secret: 'test session secret', resave: false, saveUninitialized: false }));
  }
  app.use(passport.initialize());
  if (useSession) app.use(passport.session());

  const name = strategy.name ?? 'whop';
  app.get('/auth/whop', passport.authenticate(name, { session: useSession, ...options.authorize }));
  app.get('/auth/whop/company/:id', (req, res, next) =>
    passport.authenticate(name, { session: useSession, scope: req.params.id })(req, res, next),
  );
  app.get(
    '/auth/whop/callback',
    passport.authenticate(name, {
      session: useSession,
      failureRedirect: '/login',
      // passport keeps failure messages in the session: none without one.
      failureMessage: useSession,
    }),
    (req, res) => res.json({ user: req.user }),
  );
  app.get('/auth/whop/check', (req, res, next) =>
    passport.authenticate(
      name,
      { session: useSession, ...options.callback },
      (error: Error | null, user: unknown, info: Outcome['info'], status?: number) => {
        const described = error && {
          name: error.name,
          message: error.message,
          status: (error as { status?: number }).status,
          code: (error as { code?: string }).code,
        };
        if (error) errors.push(error);
        res.json({ error: described ?? undefined, user, info, status });
      },
    )(req, res, next),
  );
  app.get('/login', (req, res) => {
    const messages = (req.session as { messages?: string[] } | undefined)?.messages ?? [];
    res.status(401).json({ messages });
  });
  app.use((error: Error, _req: Request, res: ExpressResponse, _next: NextFunction) => {
    errors.push(error);
    res.status(500).json({ error: error.message, name: error.name });
  });

  return { ...(await listen(app)), errors };
}

/** Serve `app` on a free loopback port; `close()` also ends kept-alive connections. */
export async function listen(
  app: express.Express,
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A browser's part: follows nothing, keeps cookies. */
export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(new URL(path, this.base), {
      redirect: 'manual',
      headers: { ...headers, ...(cookie && { cookie }) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, index).trim(), pair!.slice(index + 1).trim());
    }
    return response;
  }

  /** Start a login and return the state and the full URL of Whop's authorize page. */
  async startLogin(path = '/auth/whop'): Promise<{ location: URL; state: string | null }> {
    const response = await this.get(path);
    const location = new URL(response.headers.get('location') ?? 'about:blank');
    return { location, state: location.searchParams.get('state') };
  }

  /** The JSON of `/auth/whop/check` for a callback query. */
  async check(query: Record<string, string>): Promise<Outcome> {
    const response = await this.get(`/auth/whop/check?${new URLSearchParams(query)}`);
    return (await response.json()) as Outcome;
  }
}

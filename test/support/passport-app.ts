// An Express 5 app with express-session and passport, as users write one, that records in
// process what Passport did with each request: the objects themselves (the error, req.user,
// req.authInfo), so that class, prototype and identity can be compared, not only their JSON.
import type { Request } from 'express';
import express, { type NextFunction, type Response } from 'express';
import session from 'express-session';
import { Passport, type Strategy } from 'passport';
import { Browser, listen } from './app.js';

/** What Passport did with one request. */
export interface Observation {
  readonly status: number;
  readonly location: string | null;
  /** The error passed to `next`, as it is. */
  readonly error?: unknown;
  /** `req.user` and `req.authInfo` after a successful login. */
  readonly user?: unknown;
  readonly authInfo?: unknown;
  /** What passport's `failureMessage: true` kept in the session. */
  readonly messages?: unknown[];
}

export interface PassportAppOptions {
  /** Options of `passport.authenticate` on the route that starts the login. */
  readonly start?: Record<string, unknown>;
  /** Options of `passport.authenticate` on the callback route. */
  readonly callback?: Record<string, unknown>;
  /** Express's `trust proxy` setting. */
  readonly trustProxy?: boolean;
}

export interface PassportApp {
  readonly url: string;
  /** A new browser (its own cookies) for this app. */
  browser(): Browser;
  /** GET `path` with `browser` and say what Passport did. */
  observe(browser: Browser, path: string, headers?: Record<string, string>): Promise<Observation>;
  close(): Promise<void>;
}

/** Routes: `/login` starts the login, `/callback` finishes it. */
export async function passportApp(
  strategy: Strategy,
  options: PassportAppOptions = {},
): Promise<PassportApp> {
  const passport = new Passport();
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const name = strategy.name!;

  const seen = new Map<string, { req: Request; error?: unknown; ok?: boolean }>();
  const app = express();
  if (options.trustProxy) app.set('trust proxy', true);
  app.use((req, _res, next) => {
    seen.set(String(req.headers['x-observe']), { req });
    next();
  });
  app.use(session({ secret: 'differential secret', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.get('/login', passport.authenticate(name, { ...options.start }));
  app.get(
    '/callback',
    passport.authenticate(name, { failureMessage: true, ...options.callback }),
    (req, res) => {
      const record = seen.get(String(req.headers['x-observe']));
      if (record) record.ok = true;
      res.status(200).end('logged in');
    },
  );
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    // Kept unless the request was already observed (an error after Passport answered).
    const record = seen.get(String(req.headers['x-observe']));
    if (record) record.error = error;
    if (!res.headersSent) res.status(500).end('error');
  });

  const server = await listen(app);
  let counter = 0;
  return {
    url: server.url,
    browser: () => new Browser(server.url),
    async observe(browser, path, headers = {}) {
      const id = String(++counter);
      const response = await browser.get(path, { ...headers, 'x-observe': id });
      await response.arrayBuffer();
      const record = seen.get(id);
      seen.delete(id);
      const req = record?.req as (Request & { authInfo?: unknown }) | undefined;
      const messages = (req?.session as { messages?: unknown[] } | undefined)?.messages;
      return {
        status: response.status,
        location: response.headers.get('location'),
        ...(record && 'error' in record && { error: record.error }),
        ...(record?.ok && { user: req!.user, authInfo: req!.authInfo }),
        ...(messages && { messages: [...messages] }),
      };
    },
    close: () => server.close(),
  };
}

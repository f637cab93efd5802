// An Express app with a session and passport, as users write one (by default Express 5,
// express-session and passport 0.7; passport 0.5 and 0.6, Express 4, cookie-session or no session
// on request), that records in process what Passport did with each request: the objects
// themselves (the error, req.user, req.authInfo), so that class, prototype and identity can be
// compared, not only their JSON.
import { createRequire } from 'node:module';
import type { Request } from 'express';
import express5, { type NextFunction, type Response } from 'express';
import cookieSession from 'cookie-session';
import expressSession from 'express-session';
import { Passport as Passport07, type Strategy } from 'passport';
import { Browser, listen } from './app.js';

const require = createRequire(import.meta.url);

/** The versions of passport that apps run, each under its own name. */
const PASSPORTS = {
  '0.5': () => (require('passport05') as { Passport: typeof Passport07 }).Passport,
  '0.6': () => (require('passport06') as { Passport: typeof Passport07 }).Passport,
  '0.7': () => Passport07,
} as const;

const EXPRESSES = {
  4: () => require('express4') as typeof express5,
  5: () => express5,
} as const;

/** The session middleware of an app, or none. */
export type SessionKind = 'express-session' | 'cookie-session' | 'none';

/** A custom callback of `passport.authenticate(name, options, callback)` on the callback route. */
export type CustomCallback = (
  req: Request,
  res: Response,
  next: NextFunction,
) => (err: unknown, user?: unknown, info?: unknown) => void;

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
  /** Which passport (default 0.7). */
  readonly passport?: keyof typeof PASSPORTS;
  /** Which Express (default 5). */
  readonly express?: keyof typeof EXPRESSES;
  /** Which session middleware (default express-session). */
  readonly session?: SessionKind;
  /** A custom callback on the callback route, instead of Passport's own handling. */
  readonly custom?: CustomCallback;
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
  const Passport = PASSPORTS[options.passport ?? '0.7']();
  const express = EXPRESSES[options.express ?? 5]();
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
  const session = options.session ?? 'express-session';
  if (session === 'express-session')
    app.use(
      expressSession({ secret: 'differential secret', resave: false, saveUninitialized: false }),
    );
  if (session === 'cookie-session') app.use(cookieSession({ secret: 'differential secret' }));
  app.use(passport.initialize());
  if (session !== 'none') app.use(passport.session());
  app.get('/login', passport.authenticate(name, { ...options.start }));
  const loggedIn = (req: Request, res: Response) => {
    const record = seen.get(String(req.headers['x-observe']));
    if (record) record.ok = true;
    res.status(200).end('logged in');
  };
  const custom = options.custom;
  const callbackOptions = { failureMessage: true, ...options.callback };
  if (custom)
    app.get('/callback', (req: Request, res: Response, next: NextFunction) =>
      passport.authenticate(name, callbackOptions, custom(req, res, next))(req, res, next),
    );
  else app.get('/callback', passport.authenticate(name, callbackOptions), loggedIn);
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

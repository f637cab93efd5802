import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport, type Strategy } from 'passport';
import { CALLBACK_PATH, LOGIN_PATH } from '../paths.js';

export interface BenchApp {
  readonly url: string;
  /** Errors that reached Express's error handler: any is a failed bench. */
  readonly errors: Error[];
  close(): Promise<void>;
}

/**
 * An Express app as users write one: express-session (in-memory store, the same settings for
 * every app), passport with sessions, the route that redirects to Whop and the callback route.
 * `createStrategy` gets the app's own origin (openid-client wants an absolute callback URL).
 */
export async function startApp(
  createStrategy: (origin: string) => Promise<Strategy>,
): Promise<BenchApp> {
  const server: Server = createServer();
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const strategy = await createStrategy(url);
  const name = strategy.name!;
  const passport = new Passport();
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const errors: Error[] = [];

  const app = express();
  app.use(
    session({
      secret: 'bench session secret',
      resave: false,
      saveUninitialized: false,
      store: new session.MemoryStore(),
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  app.get(LOGIN_PATH, passport.authenticate(name));
  app.get(
    CALLBACK_PATH,
    passport.authenticate(name, { failureRedirect: '/login', failureMessage: true }),
    (req, res) => {
      res.json({ user: req.user });
    },
  );
  app.get('/login', (req, res) => {
    res.status(401).json({ messages: (req.session as { messages?: string[] }).messages ?? [] });
  });
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    errors.push(error);
    res.status(500).json({ error: error.message });
  });
  server.on('request', app);

  return {
    url,
    errors,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport, type Strategy } from 'passport';
import OAuth2Strategy, { InternalOAuthError } from 'passport-oauth2';
import { Strategy as GitHubStrategy } from 'passport-github2';
import { WhopStrategy } from 'passport-whop';
import { FloorStrategy } from './floor.js';
import {
  API_PATH,
  AUTHORIZE_PATH,
  CALLBACK_PATH,
  GITHUB_PROFILE_PATH,
  LOGIN_PATH,
  TOKEN_PATH,
  WHOP_PROFILE_PATH,
} from './paths.js';

/**
 * The strategies compared, in table order; `oauth2` is the baseline of every ratio, and `floor`
 * (bench/floor.ts) the least any strategy can do for the same login.
 */
export const STRATEGIES = ['whop', 'oauth2', 'github2', 'floor'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

interface ProfileLike {
  readonly id: string;
  readonly displayName?: string;
}
type Done = (err: Error | null, user?: Express.User) => void;

// One verify function for all four: the apps differ in the strategy and nothing else.
function verify(
  _accessToken: string,
  _refreshToken: string | undefined,
  profile: ProfileLike,
  done: Done,
) {
  done(null, { id: profile.id, name: profile.displayName });
}

/**
 * The bare OAuth2Strategy loads no profile; this one loads the same `/api/v5/me` WhopStrategy
 * does, through passport-oauth2's own client, and maps it as passport-github2 does, so that
 * both make the same two requests per login.
 */
class ProfileOAuth2Strategy extends OAuth2Strategy {
  constructor(
    options: OAuth2Strategy.StrategyOptions,
    private readonly profileURL: string,
  ) {
    super(options, verify);
    this.name = 'oauth2';
    // The token in the Authorization header, as WhopStrategy and passport-github2 send it.
    this._oauth2.useAuthorizationHeaderforGET(true);
  }

  override userProfile(accessToken: string, done: (err?: unknown, profile?: unknown) => void) {
    this._oauth2.get(this.profileURL, accessToken, (err, body) => {
      if (err) return done(new InternalOAuthError('Failed to fetch user profile', err));
      try {
        const raw = String(body);
        const json = JSON.parse(raw) as Record<string, string | undefined>;
        done(null, {
          provider: 'oauth2',
          id: json.id,
          username: json.username,
          displayName: json.name,
          ...(json.email && { emails: [{ value: json.email }] }),
          ...(json.profile_pic_url && { photos: [{ value: json.profile_pic_url }] }),
          _raw: raw,
          _json: json,
        });
      } catch (error) {
        done(error);
      }
    });
  }
}

function endpoints(base: string) {
  return {
    clientID: 'app_bench',
    clientSecret: 'bench secret',
    callbackURL: CALLBACK_PATH,
    authorizationURL: `${base}${AUTHORIZE_PATH}`,
    tokenURL: `${base}${TOKEN_PATH}`,
  };
}

/** WhopStrategy with every endpoint at the fake server at `base`. */
export function createWhopStrategy(base: string): WhopStrategy {
  // `state` is on by default: the same session-kept CSRF state as the others' `state: true`.
  return new WhopStrategy(
    {
      ...endpoints(base),
      userProfileURL: `${base}${WHOP_PROFILE_PATH}`,
      // Used by checkAccess only (bench/access.ts): a login with no requireAccess never calls it.
      apiURL: `${base}${API_PATH}`,
    },
    verify,
  );
}

/** The strategy `name`, with every endpoint at the fake server at `base`. */
export function createStrategy(name: StrategyName, base: string): Strategy {
  const common = endpoints(base);
  switch (name) {
    case 'whop':
      return createWhopStrategy(base);
    case 'oauth2':
      return new ProfileOAuth2Strategy({ ...common, state: true }, `${base}${WHOP_PROFILE_PATH}`);
    case 'github2':
      return new GitHubStrategy(
        {
          ...common,
          // passport-oauth2 reads `state` as a boolean; @types/passport-github2 says string.
          state: true as unknown as string,
          userProfileURL: `${base}${GITHUB_PROFILE_PATH}`,
        },
        verify,
      );
    case 'floor':
      return new FloorStrategy(
        { ...common, userProfileURL: `${base}${WHOP_PROFILE_PATH}` },
        verify,
      );
  }
}

export interface BenchApp {
  readonly url: string;
  /** Errors that reached Express's error handler: any is a failed bench. */
  readonly errors: Error[];
  close(): Promise<void>;
}

/**
 * An Express app as users write one: express-session (in-memory store, the same settings for
 * every app), passport with sessions, the route that redirects to Whop and the callback route.
 */
export async function startApp(strategy: Strategy): Promise<BenchApp> {
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

  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  server.keepAliveTimeout = 60_000;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    errors,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

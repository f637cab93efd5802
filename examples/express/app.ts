import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import {
  LOGIN_DECLINED,
  NO_ACCESS,
  TokenError,
  refreshAccessToken,
  revokeToken,
} from 'passport-whop';
import type { DemoConfig } from './config.js';
import { membersOnly } from './membership.js';
import { clockTime, homePage, profilePage, type DemoUser, type Flash } from './pages.js';
import { createStrategy, type LoginResult, type StoredTokens } from './strategy.js';

declare module 'express-session' {
  interface SessionData {
    whop?: StoredTokens;
    flash?: Flash;
  }
}

// Only what these pages need: inline styles, the profile picture (Whop's CDN, or the mock's data:
// URL), and forms that post to this app.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The message of an error, with Whop's error code when it sent one. Never a token or secret. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = error instanceof TokenError ? error.code : undefined;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}

/** Passport's failure info: `{ message, code }`, a string, or a list of them. */
function failureMessage(info: unknown): string {
  const first = Array.isArray(info) ? info[0] : info;
  if (typeof first === 'string') return first;
  const message = (first as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message !== '' ? message : 'Whop did not log you in.';
}

/** Where a failed login goes: home, saying that it failed even when its flash was lost. */
const FAILED_HOME = '/?login=failed';

/**
 * A failed login whose flash is gone: a double click sends the callback twice, one logs in (a new
 * session) and the other fails in the old session, which the login then ends.
 */
function lostFailure(req: Request): Flash | undefined {
  if (req.query.login !== 'failed') return undefined;
  return {
    kind: 'error',
    text: 'The login did not finish. A double click sends the sign-in link twice and only one can log in, so its reason went with the session the other one replaced: log in again.',
  };
}

/** The failure's code (`WHOP_...`): what the app branches on, never the message's text. */
function failureCode(info: unknown): unknown {
  const first = Array.isArray(info) ? info[0] : info;
  return (first as { code?: unknown } | undefined)?.code;
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * The demo app: Express 5, express-session, Passport and `WhopStrategy`. Returns the app; the
 * caller listens (server.ts, or the browser test on a free port).
 */
export function createDemoApp(config: DemoConfig): express.Express {
  const log = config.log ?? ((line: string) => console.error(line));
  const flow = config.flow ?? 'legacy';
  const strategy = createStrategy(config);

  const passport = new Passport();
  passport.use(strategy);
  // No database in a demo: the session holds the user as the verify function described it.
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));

  const app = express();
  app.disable('x-powered-by');
  app.use(
    session({
      name: 'whop-demo.sid',
      secret: config.sessionSecret,
      resave: false,
      saveUninitialized: false,
      // `lax` lets the cookie come back on Whop's redirect and keeps other sites from posting
      // the Refresh and Log out forms.
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  app.use((_req, res, next) => {
    res.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.set('Referrer-Policy', 'no-referrer');
    res.set('Cache-Control', 'no-store');
    next();
  });

  const userOf = (req: Request) => req.user as DemoUser | undefined;
  const flash = (req: Request, kind: Flash['kind'], text: string) => {
    req.session.flash = { kind, text };
  };
  const render = (req: Request) => {
    const shown = req.session.flash ?? lostFailure(req);
    delete req.session.flash;
    return { mockURL: config.mockURL, flash: shown };
  };

  app.get('/', (req, res) => {
    if (userOf(req)) return res.redirect('/profile');
    res.type('html').send(homePage(render(req)));
  });

  app.get('/auth/whop', passport.authenticate('whop'));

  app.get('/auth/whop/callback', (req, res, next) => {
    passport.authenticate('whop', (error: unknown, result: unknown, info: unknown) => {
      const current = userOf(req);
      if (error) {
        log(`Login failed: ${describe(error)}`);
        flash(req, 'error', `Login failed: ${sentence(describe(error))}`);
        return res.redirect('/');
      }
      if (!result) {
        const reason = sentence(failureMessage(info));
        const code = failureCode(info);
        if (code === LOGIN_DECLINED) {
          flash(req, 'error', `Login cancelled: ${reason}`);
        } else if (code === NO_ACCESS) {
          // requireAccess: Whop says this account has access to none of the resources (403).
          flash(req, 'error', `Members only: ${reason} Get access on Whop, then log in again.`);
        } else if (current) {
          // Typically the callback URL loaded again (reload, Back): its code was used already.
          flash(
            req,
            'notice',
            `That sign-in link was not used again: ${reason} You are still logged in.`,
          );
        } else {
          flash(
            req,
            'error',
            `Login failed: ${reason} Each sign-in link works once: log in again.`,
          );
        }
        // Said in the URL too: a parallel callback's login may replace this session, flash and all.
        return res.redirect(FAILED_HOME);
      }
      const { user, tokens } = result as LoginResult;
      // logIn starts a new session (against session fixation): the tokens go into the new one.
      req.logIn(user, (loginError) => {
        if (loginError) return next(loginError);
        req.session.whop = tokens;
        res.redirect('/profile');
      });
    })(req, res, next);
  });

  // With requireAccess, the profile is members-only: re-checked on each request (from the cache).
  const guard = config.requireAccess
    ? membersOnly(strategy, {
        resources: config.requireAccess,
        company: config.company,
        onNoAccess: (req, res, next) =>
          req.logout((error) => {
            if (error) return next(error);
            flash(
              req,
              'error',
              'Your Whop membership has ended, so you are logged out. Get access on Whop, then log in again.',
            );
            res.redirect('/');
          }),
      })
    : (_req: Request, _res: Response, next: NextFunction) => next();

  app.get('/profile', guard, (req, res) => {
    const user = userOf(req);
    const tokens = req.session.whop;
    if (!user || !tokens) return res.redirect('/');
    const summary = {
      expiresAt: tokens.expiresAt,
      scope: tokens.scope,
      canRefresh: tokens.refreshToken !== undefined,
    };
    res.type('html').send(profilePage(render(req), user, summary, config.company));
  });

  app.post('/refresh', async (req, res, next) => {
    const tokens = req.session.whop;
    if (!userOf(req) || !tokens) return res.redirect('/');
    if (!tokens.refreshToken) {
      flash(
        req,
        'error',
        'Whop sent no refresh token at login, so this token cannot be refreshed.',
      );
      return res.redirect('/profile');
    }
    try {
      const fresh = await refreshAccessToken(strategy, tokens.refreshToken, {
        companyId: tokens.companyId,
      });
      // Whop rotates refresh tokens: the old one no longer works, so keep the new one.
      req.session.whop = {
        accessToken: fresh.accessToken,
        refreshToken: fresh.refreshToken,
        expiresAt: fresh.expiresAt,
        scope: fresh.scope ?? tokens.scope,
        companyId: tokens.companyId,
      };
      const until =
        fresh.expiresAt === undefined ? '' : `: it expires at ${clockTime(fresh.expiresAt)}`;
      flash(req, 'notice', `Token refreshed${until}.`);
      res.redirect('/profile');
    } catch (error) {
      log(`Refresh failed: ${describe(error)}`);
      if (!(error instanceof TokenError)) {
        // A timeout or an outage: the refresh token may still work, so stay logged in.
        flash(req, 'error', `Refresh failed: ${sentence(describe(error))}`);
        return res.redirect('/profile');
      }
      // Whop refused the refresh token: this login is over.
      req.logout((logoutError) => {
        if (logoutError) return next(logoutError);
        flash(req, 'error', `Refresh failed: ${sentence(describe(error))} Log in again.`);
        res.redirect('/');
      });
    }
  });

  app.post('/logout', async (req, res, next) => {
    const tokens = req.session.whop;
    // Only the OAuth 2.1 flow can revoke; the legacy flow has no revocation endpoint. Whop revokes
    // refresh tokens only: the access token cannot be revoked, and expires within the hour.
    if (flow === 'oauth2.1' && tokens?.refreshToken) {
      await revokeToken(strategy, tokens.refreshToken).catch((error) =>
        log(`Revoking the token failed (logging out anyway): ${describe(error)}`),
      );
    }
    req.logout((error) => {
      if (error) return next(error);
      flash(req, 'notice', 'You are logged out.');
      res.redirect('/');
    });
  });

  // Anything else that went wrong: the home page with the message.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    log(`Error: ${describe(error)}`);
    const page = homePage({
      mockURL: config.mockURL,
      flash: { kind: 'error', text: `Something went wrong: ${sentence(describe(error))}` },
    });
    res.status(500).type('html').send(page);
  });

  return app;
}

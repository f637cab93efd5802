// Log in with Whop in a Koa app: koa-passport runs the strategy, koa-session keeps the CSRF state
// and the logged-in user, @koa/router routes.
import Router from '@koa/router';
import Koa from 'koa';
import { KoaPassport } from 'koa-passport';
import session from 'koa-session';
import { WhopStrategy } from 'passport-whop';

/** What the app needs to know; the URLs only to point it at another Whop (a mock, a proxy). */
export interface WhopSettings {
  clientID: string;
  clientSecret: string;
  /** As registered on Whop, or a path resolved against each request's host. */
  callbackURL: string;
  /** Signs the session cookie. */
  sessionSecret: string;
  authorizationURL?: string;
  tokenURL?: string;
  userProfileURL?: string;
}

/** The app, ready to `listen(3000)`. */
export function createApp({ sessionSecret, ...options }: WhopSettings): Koa {
  const passport = new KoaPassport();
  passport.use(
    new WhopStrategy(options, async (_accessToken, _refreshToken, profile) => ({
      id: profile.id,
      username: profile.username,
      displayName: profile.displayName,
    })),
  );
  // The whole user goes into the session; with a database, keep only the id and load it back.
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));

  const app = new Koa();
  app.keys = [sessionSecret];
  app.use(session({ sameSite: 'lax' }, app)); // lax: the cookie comes back on Whop's redirect
  app.use(passport.initialize());
  app.use(passport.session());

  const router = new Router();
  router.get('/auth/whop', passport.authenticate('whop'));
  // A refused login answers 401; pass { failureRedirect: '/login' } to redirect instead.
  router.get('/auth/whop/callback', passport.authenticate('whop', { successRedirect: '/' }));
  router.get('/', (ctx) => {
    ctx.body = { user: ctx.state.user ?? null };
  });
  app.use(router.routes());
  return app;
}

// A Whop app (embedded in whop.com) in Koa: koa-passport runs WhopAppStrategy on each request,
// without a session; the experience page is for the experience's members.
import Router from '@koa/router';
import Koa from 'koa';
import { KoaPassport } from 'koa-passport';
import { WhopAppStrategy, type WhopAppStrategyOptions } from 'passport-whop';

/** The app, ready to `listen(3000)`; `options` are `appId` and `apiKey` from Whop. */
export function createApp(options: WhopAppStrategyOptions): Koa {
  const passport = new KoaPassport();
  passport.use(
    new WhopAppStrategy(options, async (user) => ({ id: user.userId, access: user.access })),
  );
  const app = new Koa();
  app.use(passport.initialize());

  const router = new Router();
  router.get(
    '/experiences/:experienceId',
    // The experience comes from the URL: the options are made per request.
    (ctx, next) =>
      passport.authenticate('whop-app', {
        session: false,
        requireAccess: ctx.params.experienceId,
      })(ctx, next),
    (ctx) => {
      ctx.body = { user: ctx.state.user };
    },
  );
  app.use(router.routes());
  return app;
}

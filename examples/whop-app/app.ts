// An app embedded in whop.com: each experience's page is for that experience's members. Whop's
// proxy adds the user's token (x-whop-user-token) to every request the app's iframe makes to the
// app's origin; WhopAppStrategy checks it and asks Whop, with the app's API key, whether the user
// has access to the experience named in the URL.
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { Passport } from 'passport';
import { WhopAppStrategy, type WhopAppStrategyOptions, type WhopAppUser } from 'passport-whop';
import { experiencePage, refusedPage } from './pages.js';

/** What the app needs: the strategy's options, and on the mock a way to mint user tokens. */
export interface WhopAppConfig {
  /** `appId` and `apiKey` from Whop's dashboard; the URLs only to point it at a mock. */
  readonly strategy: WhopAppStrategyOptions;
  /**
   * The mock only: a user token for `GET /dev/open/:experienceId`, which sets the
   * `whop_user_token` cookie as Whop's dev proxy does, so a plain browser can open a page.
   */
  readonly devUserToken?: () => Promise<string>;
}

/** The user the pages see: who they are on Whop, and their level for the experience. */
export interface AppUser {
  readonly id: string;
  readonly access: WhopAppUser['access'];
}

const EXPERIENCE_ID = /^exp_[A-Za-z0-9]+$/;

export function createWhopApp(config: WhopAppConfig): Express {
  const passport = new Passport();
  passport.use(
    new WhopAppStrategy(config.strategy, async (user): Promise<AppUser> => {
      // Find or create your own user here.
      return { id: user.userId, access: user.access };
    }),
  );

  // The experience's members only: the experience comes from the URL, so the check is made per
  // request. A request without a valid token answers 401, a non-member 403.
  const membersOnly = (req: Request, res: Response, next: NextFunction) =>
    passport.authenticate(
      'whop-app',
      { session: false, requireAccess: req.params.experienceId },
      (
        err: Error | null,
        user: AppUser | false,
        info?: { message?: string; code?: string },
        status?: number,
      ) => {
        if (err) return next(err);
        if (!user)
          return void res.status(status ?? 401).send(refusedPage(status ?? 401, info?.code));
        req.user = user;
        next();
      },
    )(req, res, next);

  const app = express();
  app.use(passport.initialize());
  app.get('/experiences/:experienceId', membersOnly, (req, res) => {
    res.send(experiencePage(req.params.experienceId as string, req.user as AppUser));
  });
  // The app's API, on the same origin as its pages: only there does Whop's proxy add the token.
  app.get('/api/experiences/:experienceId/me', membersOnly, (req, res) => {
    res.json(req.user);
  });

  const { devUserToken } = config;
  if (devUserToken) {
    app.get('/dev/open/:experienceId', async (req, res, next) => {
      const experience = req.params.experienceId;
      if (!EXPERIENCE_ID.test(experience)) return void res.status(404).send('No such experience');
      try {
        const token = await devUserToken();
        res.cookie('whop_user_token', token, { httpOnly: true, sameSite: 'lax', path: '/' });
        res.redirect(`/experiences/${experience}`);
      } catch (error) {
        next(error);
      }
    });
  }
  return app;
}

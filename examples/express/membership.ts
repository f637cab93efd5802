// The members-only guard: on every page after login, checkAccess for each required resource.
// Answers come from the strategy's cache (accessMaxAge, 60 s by default), so most pages cost no
// request to Whop; a lapsed membership is seen within that time.
import type { NextFunction, Request, Response } from 'express';
import { checkAccess, isExpired, refreshAccessToken, type WhopStrategy } from 'passport-whop';
import type { DemoUser } from './pages.js';
import type { StoredTokens } from './strategy.js';

/** What the guard needs from the app. */
export interface MembershipOptions {
  /** The resources a user needs access to (any one of them). */
  readonly resources: readonly string[];
  /** The company the login asked for, which a refresh repeats. */
  readonly company: string | undefined;
  /** Called when the answer is no: end the session and say why. */
  readonly onNoAccess: (req: Request, res: Response, next: NextFunction) => void;
}

/**
 * Express middleware that lets a logged-in user through only while Whop says they have access to
 * at least one of the resources; it refreshes an expired access token first (the check needs a
 * live one). `req.session.whop` holds the tokens, `req.user` the user with its Whop ID.
 */
export function membersOnly(strategy: WhopStrategy, options: MembershipOptions) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const user = req.user as DemoUser | undefined;
    const tokens = req.session.whop as StoredTokens | undefined;
    if (!user || !tokens) return res.redirect('/');
    try {
      if (isExpired(tokens.expiresAt) && tokens.refreshToken) {
        const fresh = await refreshAccessToken(strategy, tokens.refreshToken, {
          scope: options.company,
        });
        req.session.whop = {
          ...tokens,
          accessToken: fresh.accessToken,
          refreshToken: fresh.refreshToken,
          expiresAt: fresh.expiresAt,
        };
      }
      const { accessToken } = req.session.whop!;
      const answers = await Promise.all(
        options.resources.map((resourceId) =>
          checkAccess(strategy, { accessToken, userId: user.id, resourceId }),
        ),
      );
      if (answers.some((answer) => answer.hasAccess)) return next();
      options.onNoAccess(req, res, next);
    } catch (error) {
      // Whop could not answer (an outage, a refused refresh): fail closed, with the reason.
      next(error);
    }
  };
}

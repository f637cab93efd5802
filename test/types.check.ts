// Compiled by `npm run typecheck`, never run: the verify forms and options type as documented.
import type { Request } from 'express';
import {
  checkAccess,
  WhopStrategy,
  type VerifyCallback,
  type VerifyFunction,
  type WhopProfile,
  type WhopStrategyOptions,
  type WhopTokenParams,
  withParams,
  withRequestAndParams,
} from '../src/index.js';

const options: WhopStrategyOptions = { clientID: 'app_x', clientSecret: 's', callbackURL: '/cb' };

// The async profile form needs no annotations.
new WhopStrategy(options, async (accessToken, refreshToken, profile) => ({
  id: `${profile.id}${accessToken}${refreshToken ?? ''}`,
}));
// With req, the first form of passReqToCallback needs none either.
new WhopStrategy(
  { ...options, passReqToCallback: true },
  async (req, _accessToken, _refreshToken, profile) => ({
    id: `${profile.id}${req.url}`,
  }),
);
// A four-parameter async function is the profile form (passport-oauth2's arity rule): its third
// parameter is the profile, typed without annotations...
new WhopStrategy(options, async (accessToken, _refreshToken, profile, done) => {
  if (!profile.id) return done(null, false);
  return { id: `${profile.id}${accessToken}` };
});
// ...and annotating it as params is a type error: it would receive the profile there.
const asyncWithParams = async (
  _accessToken: string,
  _refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile,
) => ({ id: `${profile.id}${params.expires_at ?? ''}` });
// @ts-expect-error a four-parameter async function typed as the params form
new WhopStrategy(options, asyncWithParams);
// The same with req: five parameters are the profile form.
const asyncWithRequestAndParams = async (
  _req: Request,
  _accessToken: string,
  _refreshToken: string | undefined,
  params: WhopTokenParams,
  profile: WhopProfile,
) => ({ id: `${profile.id}${params.expires_at ?? ''}` });
// @ts-expect-error a five-parameter async function typed as the params form with req
new WhopStrategy({ ...options, passReqToCallback: true }, asyncWithRequestAndParams);
// An async function that wants params goes through withParams, unannotated.
new WhopStrategy(
  options,
  withParams(async (accessToken, _refreshToken, params, profile) => ({
    id: `${profile.id}${params.expires_at ?? ''}${accessToken}`,
  })),
);
new WhopStrategy(
  { ...options, passReqToCallback: true },
  withRequestAndParams(async (req, _accessToken, _refreshToken, params, profile) => ({
    id: `${profile.id}${params.scope ?? ''}${req.url}`,
  })),
);
const withReq = { ...options, passReqToCallback: true } as const;
const paramsForm = withParams(async () => false);
// @ts-expect-error withParams makes the params form without req: passReqToCallback must be off.
new WhopStrategy(withReq, paramsForm);
// The callback forms with params are told apart by their annotated parameters.
new WhopStrategy(
  options,
  (
    _accessToken: string,
    _refreshToken: string | undefined,
    profile: WhopProfile,
    done: VerifyCallback,
  ) => done(null, { id: profile.id }),
);
new WhopStrategy(
  options,
  (
    _a: string,
    _r: string | undefined,
    params: WhopTokenParams,
    profile: WhopProfile,
    done: VerifyCallback,
  ) => done(null, { id: `${profile.id}${params.scope ?? ''}` }),
);
new WhopStrategy(
  { ...options, passReqToCallback: true },
  (
    req: Request,
    _a: string,
    _r: string | undefined,
    _p: WhopTokenParams,
    profile: WhopProfile,
    done: VerifyCallback,
  ) => done(null, { id: `${profile.id}${req.url}` }),
);

// The legacy scope: Whop permission scopes and a company, as a string or a list.
new WhopStrategy({ ...options, scope: ['read_user', 'biz_a'] }, async () => false);
// @ts-expect-error the scope holds strings
new WhopStrategy({ ...options, scope: [42] }, async () => false);
// @ts-expect-error clientID is required
new WhopStrategy({ clientSecret: 's', callbackURL: '/cb' }, async () => false);

// checkAccess resolves the access level as a union, and requireAccess takes a list.
new WhopStrategy(
  { ...options, requireAccess: ['prod_x', 'exp_y'], accessMaxAge: 0 },
  async () => false,
);
void checkAccess(new WhopStrategy(options, async () => false), {
  accessToken: 'a',
  userId: 'user_x',
  resourceId: 'prod_x',
}).then(({ hasAccess, accessLevel }) => {
  const level: 'admin' | 'customer' | 'no_access' = accessLevel;
  return hasAccess && level;
});

// The verify forms as one generic, each form named by what it gets.
const profileForm: VerifyFunction = (_a, _r, profile, done) => done(null, { id: profile.id });
const paramsForm5: VerifyFunction<{ params: true }> = (_a, _r, params, profile, done) =>
  done(null, { id: `${profile.id}${params.scope ?? ''}` });
const requestForm: VerifyFunction<{ request: true }> = (req, _a, _r, profile, done) =>
  done(null, { id: `${profile.id}${req.url}` });
const asyncParams: VerifyFunction<{ params: true; async: true }> = async (_a, _r, params) =>
  params.company_id === undefined ? false : { id: params.company_id };
new WhopStrategy(options, profileForm);
new WhopStrategy(options, paramsForm5);
new WhopStrategy({ ...options, passReqToCallback: true }, requestForm);
new WhopStrategy(options, withParams(asyncParams));
const asyncAsCallback: VerifyFunction<{ params: true }> =
  // @ts-expect-error the params form returns no promise: an async one goes through withParams
  async (_a, _r, _p, _profile, done) => done(null, false);
void asyncAsCallback;

// skipUserProfile, as passport-oauth2 calls it: a function of no argument, or (accessToken, done).
new WhopStrategy({ ...options, skipUserProfile: () => true }, async () => false);
new WhopStrategy(
  { ...options, skipUserProfile: (_token, done) => done(null, false) },
  async () => false,
);

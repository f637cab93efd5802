import { InternalOAuthError } from 'passport-oauth2';
import { INVALID_RESPONSE } from '../whop/error-codes.js';
import { internalError } from '../whop/errors.js';
import { answerError } from '../whop/answer-errors.js';
import { isSuccess, send, type HttpSettings } from '../whop/http.js';
import { parseProfile, type WhopProfile } from '../whop/profile.js';
import { scrubError } from '../whop/scrub.js';
import type { Deadline } from './deadline.js';
import {
  getsAsWhop,
  loadsOwnProfile,
  type NodeOAuth2,
  type OAuth2Members,
  type ProfileCallback,
} from './members.js';

/** How the strategy loads profiles: Whop's endpoint, and what to compare the members with. */
export interface ProfileLoader {
  readonly url: string;
  readonly http: HttpSettings;
  /** WhopStrategy's own `userProfile`, to tell an overridden one. */
  readonly own: OAuth2Members['userProfile'];
  /** node-oauth's own `get`, to tell a replaced one. */
  readonly nodeGet: NodeOAuth2['get'];
}

/**
 * The profile step of a login: WhopStrategy's own request within the login's deadline, or, when
 * `_loadUserProfile`, `userProfile` or `skipUserProfile` say otherwise, passport-oauth2's
 * `_loadUserProfile` (waited for until the deadline; only its first answer counts).
 */
export function loadProfile(
  strategy: OAuth2Members,
  loader: ProfileLoader,
  accessToken: string,
  deadline: Deadline,
): Promise<WhopProfile | undefined> {
  if (loadsOwnProfile(strategy, loader.own) && getsAsWhop(strategy._oauth2, loader.nodeGet))
    return fetchProfile(loader, accessToken, strategy._oauth2._customHeaders, deadline);
  const loading = new Promise<WhopProfile | undefined>((resolve, reject) => {
    strategy._loadUserProfile(accessToken, (err, profile) =>
      err ? reject(err) : resolve(profile as WhopProfile | undefined),
    );
  });
  return deadline.run('profile', loading);
}

/**
 * WhopStrategy's `userProfile`: the profile from Whop, through this package's client while
 * `_oauth2` sends as WhopStrategy set it up; else through `_oauth2.get`, as a passport-oauth2
 * strategy (passport-github's) loads its profile.
 */
export function userProfile(
  strategy: OAuth2Members,
  loader: ProfileLoader,
  accessToken: string,
  done: ProfileCallback,
): void {
  const oauth2 = strategy._oauth2;
  if (getsAsWhop(oauth2, loader.nodeGet)) {
    fetchProfile(loader, accessToken, oauth2._customHeaders).then(
      (profile) => process.nextTick(done, null, profile),
      (error: unknown) => process.nextTick(done, error),
    );
    return;
  }
  oauth2.get(loader.url, accessToken, (err, body) => {
    if (err) return done(new InternalOAuthError('Failed to fetch user profile', err));
    let profile: WhopProfile;
    try {
      profile = parseProfile(String(body));
    } catch (error) {
      return done(error);
    }
    done(null, profile);
  });
}

/** The profile request; any failure is the profile step's, an InternalOAuthError. */
async function fetchProfile(
  loader: ProfileLoader,
  accessToken: string,
  headers: Readonly<Record<string, string>> | undefined,
  deadline?: Deadline,
): Promise<WhopProfile> {
  const request = { step: 'profile', url: loader.url, bearer: accessToken, headers } as const;
  const response = await send(request, loader.http, deadline);
  try {
    if (!isSuccess(response)) throw answerError('profile', response, [accessToken]);
    try {
      return parseProfile(response.text);
    } catch (error) {
      throw internalError(INVALID_RESPONSE, 'profile', (error as Error).message, { cause: error });
    }
  } catch (error) {
    // Whop's 401 may quote the token it was sent.
    throw scrubError(error, [accessToken]);
  }
}

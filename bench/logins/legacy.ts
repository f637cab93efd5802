// The legacy flow's apps (Whop's original OAuth: token exchange, then /api/v5/me), with and
// without the access check: WhopStrategy, its peer passport-oauth2's OAuth2Strategy making the
// same requests, and passport-github2 for reference.
import OAuth2Strategy, { InternalOAuthError } from 'passport-oauth2';
import { Strategy as GitHubStrategy } from 'passport-github2';
import { WhopStrategy } from 'passport-whop';
import {
  API_PATH,
  AUTHORIZE_PATH,
  CALLBACK_PATH,
  GITHUB_PROFILE_PATH,
  TOKEN_PATH,
  WHOP_PROFILE_PATH,
} from '../paths.js';
import { BENCH_CLIENT_ID } from '../fake-whop-oidc.js';
import { BENCH_RESOURCE, verify, type Done, type ProfileLike } from './verify.js';

/** The options every legacy app shares: the fake Whop's endpoints, the same client. */
export function legacyEndpoints(whop: string) {
  return {
    clientID: BENCH_CLIENT_ID,
    clientSecret: 'bench secret',
    callbackURL: CALLBACK_PATH,
    authorizationURL: `${whop}${AUTHORIZE_PATH}`,
    tokenURL: `${whop}${TOKEN_PATH}`,
  };
}

/** `GET {apiURL}/users/{user}/access/{resource}`, as the access check asks it. */
export function accessURL(whop: string, userId: string): string {
  return `${whop}${API_PATH}/users/${encodeURIComponent(userId)}/access/${BENCH_RESOURCE}`;
}

/** WhopStrategy with every endpoint at the fake Whop; `requireAccess` for the access flow. */
export function createWhopStrategy(whop: string, requireAccess?: string): WhopStrategy {
  // `state` is on by default: the same session-kept CSRF state as the others' `state: true`.
  return new WhopStrategy(
    {
      ...legacyEndpoints(whop),
      userProfileURL: `${whop}${WHOP_PROFILE_PATH}`,
      apiURL: `${whop}${API_PATH}`,
      ...(requireAccess !== undefined && { requireAccess }),
    },
    verify,
  );
}

type ProfileCallback = (err?: unknown, profile?: unknown) => void;

/**
 * The bare OAuth2Strategy loads no profile; this one loads the same `/api/v5/me` WhopStrategy
 * does, through passport-oauth2's own client, and maps it as passport-github2 does, so that
 * both make the same two requests per login.
 */
class ProfileOAuth2Strategy extends OAuth2Strategy {
  constructor(
    whop: string,
    verifyFunction: OAuth2Strategy.VerifyFunction = verify,
    private readonly profileURL = `${whop}${WHOP_PROFILE_PATH}`,
  ) {
    super({ ...legacyEndpoints(whop), state: true }, verifyFunction);
    this.name = 'oauth2';
    // The token in the Authorization header, as WhopStrategy and passport-github2 send it.
    this._oauth2.useAuthorizationHeaderforGET(true);
  }

  /** A GET with the token, through passport-oauth2's own client (node-oauth), parsed as JSON. */
  getJSON(url: string, accessToken: string, done: (err: Error | null, json?: unknown) => void) {
    this._oauth2.get(url, accessToken, (err, body) => {
      if (err) return done(new InternalOAuthError(`Failed to GET ${url}`, err));
      try {
        done(null, JSON.parse(String(body)));
      } catch (error) {
        done(error as Error);
      }
    });
  }

  override userProfile(accessToken: string, done: ProfileCallback) {
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

export function createOAuth2Strategy(whop: string): OAuth2Strategy {
  return new ProfileOAuth2Strategy(whop);
}

/**
 * The access flow's peer: the same OAuth2Strategy login, and in verify one plain request to
 * Whop's access check through passport-oauth2's own client, as an app without passport-whop
 * would gate its login. A user without access fails the login, as with `requireAccess`.
 */
export function createOAuth2AccessStrategy(whop: string): OAuth2Strategy {
  const strategy: ProfileOAuth2Strategy = new ProfileOAuth2Strategy(
    whop,
    (accessToken: string, refreshToken: string, profile: ProfileLike, done: Done) => {
      strategy.getJSON(accessURL(whop, profile.id), accessToken, (err, answer) => {
        if (err) return done(err);
        if ((answer as { has_access?: unknown }).has_access !== true) return done(null, undefined);
        verify(accessToken, refreshToken, profile, done);
      });
    },
  );
  return strategy;
}

export function createGitHubStrategy(whop: string): GitHubStrategy {
  return new GitHubStrategy(
    {
      ...legacyEndpoints(whop),
      // passport-oauth2 reads `state` as a boolean; @types/passport-github2 says string.
      state: true as unknown as string,
      userProfileURL: `${whop}${GITHUB_PROFILE_PATH}`,
    },
    verify,
  );
}

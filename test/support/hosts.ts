// What the host tests (test/hosts-*.test.ts) share: the mock Whop, a browser logging in through
// an app, and passport-oauth2's own OAuth2Strategy set up for the mock, to compare against.
import { expect } from 'chai';
import OAuth2Strategy, { InternalOAuthError, type StrategyOptions } from 'passport-oauth2';
import { parseProfile, type WhopProfile } from '../../src/index.js';
import { MOCK_CLIENT, MOCK_USER, startMockWhop, type MockWhop } from '../../src/testing/index.js';
import { Browser } from './app.js';

export const CALLBACK_PATH = '/auth/whop/callback';

/** What the example apps take, pointed at `whop`. */
export const settingsFor = (whop: MockWhop) => ({
  ...whop.strategyOptions(),
  callbackURL: CALLBACK_PATH,
  sessionSecret: 'the session secret',
});

export { startMockWhop };

/** Register the app at `url` with the mock, as an app registers its callback URL on Whop. */
export function register(whop: MockWhop, url: string): void {
  whop.addClient({ ...MOCK_CLIENT, redirectURIs: [`${url}${CALLBACK_PATH}`] });
}

/**
 * A browser logging in through the app at `url`: the login route, Whop's consent page (Approve
 * or Deny), then the callback; resolves the callback's response.
 */
export async function logIn(
  url: string,
  whop: MockWhop,
  answer: 'approve' | 'deny' = 'approve',
): Promise<{ browser: Browser; callback: Response }> {
  const browser = new Browser(url);
  const { location } = await browser.startLogin();
  const back = new URL(
    answer === 'approve' ? await whop.approve(location) : await whop.deny(location),
  );
  const callback = await browser.get(`${back.pathname}${back.search}`);
  return { browser, callback };
}

/** The user the example apps keep in the session after a login as the mock user. */
export const EXPECTED_USER = {
  id: MOCK_USER.id,
  username: MOCK_USER.username,
  displayName: MOCK_USER.name,
};

/**
 * What every host's example app does, at the `url` that `target()` gives once the suite's
 * `before` hooks ran: approving logs the mock user in and goes home; denying answers 401 and
 * logs nobody in.
 */
export function itLogsTheMockUserIn(target: () => { url: string; whop: MockWhop }): void {
  describe('when the user approves', () => {
    let browser: Browser;
    let callback: Response;
    before(async () => ({ browser, callback } = await logIn(target().url, target().whop)));

    it('redirects home from the callback', () =>
      expect([callback.status, callback.headers.get('location')]).to.deep.equal([302, '/']));
    it('keeps the user, with their profile, in the session', async () =>
      expect(await (await browser.get('/')).json()).to.deep.equal({ user: EXPECTED_USER }));
  });

  describe('when the user denies at Whop', () => {
    let browser: Browser;
    let callback: Response;
    before(async () => ({ browser, callback } = await logIn(target().url, target().whop, 'deny')));

    it('answers 401', () => expect(callback.status).to.equal(401));
    it('logs nobody in', async () =>
      expect(await (await browser.get('/')).json()).to.deep.equal({ user: null }));
  });
}

/** The profile the mock's `/api/v5/me` gives for an access token (to prove the token is real). */
export async function profileOf(whop: MockWhop, accessToken: string): Promise<WhopProfile> {
  const response = await fetch(whop.userProfileURL, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return parseProfile(await response.text());
}

/** The WhopStrategy options passport-oauth2's OAuth2Strategy takes, plus where the profile is. */
export type ReferenceOptions = StrategyOptions & { userProfileURL: string };

/**
 * passport-oauth2's `OAuth2Strategy` logging in with the mock Whop as any passport-oauth2 based
 * strategy would: its own authorize, exchange and verify call; the profile read as Whop's.
 */
export class ReferenceStrategy extends OAuth2Strategy {
  private readonly userProfileURL: string;

  constructor(options: ReferenceOptions, verify: OAuth2Strategy.VerifyFunction) {
    super(options, verify);
    this.name = 'whop';
    this.userProfileURL = options.userProfileURL;
    this._oauth2.useAuthorizationHeaderforGET(true);
  }

  override userProfile(accessToken: string, done: (err?: unknown, profile?: unknown) => void) {
    this._oauth2.get(this.userProfileURL, accessToken, (err, body) => {
      if (err) return done(new InternalOAuthError('Failed to fetch user profile', err));
      try {
        done(null, parseProfile(String(body)));
      } catch (error) {
        done(error);
      }
    });
  }
}

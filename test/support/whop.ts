// Whop's legacy endpoints as the tests fake them with nock: one place for the URLs, the test
// app's credentials, and the answers of one successful login.
import nock from 'nock';
import type { WhopStrategyOptions } from '../../src/index.js';
import { fixture } from './fixtures.js';

export const WHOP_DATA = 'https://data.whop.com';
export const WHOP_API = 'https://api.whop.com';
export const CALLBACK = 'https://example.com/auth/whop/callback';
export const BASE: WhopStrategyOptions = {
  clientID: 'app_test',
  clientSecret: 'secret_test',
  callbackURL: CALLBACK,
};
export const token = fixture('token');
export const me = fixture('me');

/** The exact form of the code exchange for `code`. */
export function tokenForm(code: string) {
  return {
    grant_type: 'authorization_code',
    code,
    client_id: 'app_test',
    client_secret: 'secret_test',
    redirect_uri: CALLBACK,
  };
}

/** The token and profile endpoints answering one successful login. */
export function whopAnswers(code = 'code_1') {
  return {
    token: nock(WHOP_DATA).post('/api/v3/oauth/token', tokenForm(code)).reply(200, token),
    profile: nock(WHOP_API, { reqheaders: { authorization: `Bearer ${token.access_token}` } })
      .get('/api/v5/me')
      .reply(200, me),
  };
}

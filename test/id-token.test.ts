import { expect } from 'chai';
import nock from 'nock';
import { InternalOAuthError } from 'passport-oauth2';
import { IdTokenVerifier, type IdTokenClaims } from '../src/whop/id-token.js';
import { createKey, jwksOf, signIdToken, type TestKey } from './support/id-tokens.js';
import { rejection } from './support/rejection.js';

const API = 'https://api.whop.com';
const JWKS_PATH = '/.well-known/jwks.json';
const NONCE = 'nonce_sent_with_the_login';

function newVerifier(timeout = 10_000): IdTokenVerifier {
  return new IdTokenVerifier({
    jwksURL: `${API}${JWKS_PATH}`,
    issuer: API,
    clientID: 'app_test',
    http: { timeout },
    headers: { 'x-app': 'demo' },
  });
}

describe('IdTokenVerifier', () => {
  let key: TestKey;
  let otherKey: TestKey;
  before(async () => {
    nock.disableNetConnect();
    key = await createKey('whop-key-1');
    otherKey = await createKey('attacker-key');
  });
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  describe('with a valid ID token', () => {
    let jwks: nock.Scope;
    let claims: IdTokenClaims;
    beforeEach(async () => {
      jwks = nock(API, { reqheaders: { 'x-app': 'demo' } })
        .get(JWKS_PATH)
        .reply(200, jwksOf(key));
      const token = await signIdToken({ nonce: NONCE, email: 'john@example.com' }, { key });
      claims = await newVerifier().verify(token, NONCE);
    });

    it("fetches Whop's keys through the package's client, with its headers", () => jwks.done());
    it('resolves the claims', () =>
      expect(claims).to.include({
        sub: 'user_xxxxxxxxxxxxx',
        aud: 'app_test',
        iss: API,
        nonce: NONCE,
        email: 'john@example.com',
      }));
    it('freezes them', () => expect(Object.isFrozen(claims)).to.equal(true));
  });

  describe('with several audiences and this app as azp', () => {
    it('resolves the claims', async () => {
      nock(API).get(JWKS_PATH).reply(200, jwksOf(key));
      const aud = ['app_test', 'app_other'];
      const token = await signIdToken({ nonce: NONCE, aud, azp: 'app_test' }, { key });
      expect(await newVerifier().verify(token, NONCE)).to.include({ azp: 'app_test' });
    });
  });

  describe('with an iat a little ahead (clock skew under a minute)', () => {
    it('resolves the claims', async () => {
      nock(API).get(JWKS_PATH).reply(200, jwksOf(key));
      const token = await signIdToken({ nonce: NONCE }, { key, issuedIn: 30 });
      expect(await newVerifier().verify(token, NONCE)).to.include({ nonce: NONCE });
    });
  });

  describe('when several tokens are verified', () => {
    let second: nock.Scope;
    beforeEach(async () => {
      nock(API).get(JWKS_PATH).reply(200, jwksOf(key));
      second = nock(API).get(JWKS_PATH).reply(200, jwksOf(key));
      const verifier = newVerifier();
      const token = await signIdToken({ nonce: NONCE }, { key });
      await Promise.all([1, 2, 3].map(() => verifier.verify(token, NONCE)));
      await verifier.verify(token, NONCE);
    });

    it('fetches the JWKS once', () => expect(second.isDone()).to.equal(false));
  });

  describe('when a check fails', () => {
    const cases: [string, () => Promise<string>, string, string?][] = [
      [
        'a signature by another key under the same kid',
        () => signIdToken({ nonce: NONCE }, { key: otherKey, kid: key.kid }),
        'Failed to verify the ID token: signature verification failed',
      ],
      [
        'a key not in the JWKS',
        () => signIdToken({ nonce: NONCE }, { key: otherKey }),
        "Failed to verify the ID token: no key in Whop's JWKS matches the token's kid and alg",
      ],
      [
        'another audience',
        () => signIdToken({ nonce: NONCE, aud: 'app_other' }, { key }),
        'Failed to verify the ID token: unexpected "aud" claim value',
      ],
      [
        'another issuer',
        () => signIdToken({ nonce: NONCE, iss: 'https://evil.example' }, { key }),
        'Failed to verify the ID token: unexpected "iss" claim value',
      ],
      [
        'an expired token',
        () => signIdToken({ nonce: NONCE }, { key, expiresIn: -60 }),
        'Failed to verify the ID token: expired ("exp" claim timestamp check failed)',
      ],
      [
        'another nonce',
        () => signIdToken({ nonce: 'nonce_of_another_login' }, { key }),
        'Failed to verify the ID token: nonce mismatch',
      ],
      ['no nonce', () => signIdToken({}, { key }), 'Failed to verify the ID token: nonce mismatch'],
      [
        'no sub',
        () => signIdToken({ nonce: NONCE, sub: undefined }, { key }),
        'Failed to verify the ID token: missing required "sub" claim',
      ],
      [
        'no exp',
        () => signIdToken({ nonce: NONCE }, { key, expiresIn: null }),
        'Failed to verify the ID token: missing required "exp" claim',
      ],
      [
        'no iat',
        () => signIdToken({ nonce: NONCE }, { key, issuedIn: null }),
        'Failed to verify the ID token: missing required "iat" claim',
      ],
      [
        'an iat an hour in the future',
        () => signIdToken({ nonce: NONCE }, { key, issuedIn: 3600 }),
        'Failed to verify the ID token: issued in the future ("iat" more than 60 s ahead of this clock)',
      ],
      [
        'an access token (typ at+jwt)',
        () => signIdToken({ nonce: NONCE }, { key, typ: 'at+jwt' }),
        'Failed to verify the ID token: the token is an access token (typ at+jwt), not an ID token',
      ],
      [
        'an access token (typ application/at+JWT)',
        () => signIdToken({ nonce: NONCE }, { key, typ: 'application/at+JWT' }),
        'Failed to verify the ID token: the token is an access token (typ at+jwt), not an ID token',
      ],
      [
        'several audiences and no azp',
        () => signIdToken({ nonce: NONCE, aud: ['app_test', 'app_other'] }, { key }),
        'Failed to verify the ID token: the token has several audiences and no "azp" claim',
      ],
      [
        'several audiences and another azp',
        () =>
          signIdToken({ nonce: NONCE, aud: ['app_test', 'app_other'], azp: 'app_other' }, { key }),
        'Failed to verify the ID token: unexpected "azp" claim value (the token was issued to another client)',
      ],
      [
        'one audience and another azp',
        () => signIdToken({ nonce: NONCE, azp: 'app_other' }, { key }),
        'Failed to verify the ID token: unexpected "azp" claim value (the token was issued to another client)',
      ],
      [
        'a token that is not a JWT',
        async () => 'not.a.jwt',
        'Failed to verify the ID token: malformed token (JWS Protected Header is invalid)',
      ],
      [
        'no nonce recorded for the login',
        () => signIdToken({ nonce: NONCE }, { key }),
        'Failed to verify the ID token: no nonce was recorded for this login (the state store did not return the state it was given)',
        'none',
      ],
    ];
    for (const [what, token, message, recorded] of cases) {
      describe(`for ${what}`, () => {
        let error: Error;
        let signed: string;
        beforeEach(async () => {
          nock(API).get(JWKS_PATH).reply(200, jwksOf(key));
          signed = await token();
          error = await rejection(
            newVerifier().verify(signed, recorded === 'none' ? undefined : NONCE),
          );
        });

        it('rejects with an InternalOAuthError', () =>
          expect(error).to.be.instanceOf(InternalOAuthError));
        it('says which check failed', () => expect(error.message).to.equal(message));
        it('does not quote the token', () =>
          expect(`${error.message}${error.stack}`).not.to.include(signed));
      });
    }
  });

  describe('when the token is signed with another algorithm than ES256', () => {
    for (const alg of ['RS256', 'HS256'] as const) {
      describe(`with ${alg}, by a key the JWKS lists`, () => {
        let error: Error;
        beforeEach(async () => {
          const foreign = await createKey(`whop-${alg}`, alg);
          nock(API).get(JWKS_PATH).reply(200, jwksOf(key, foreign));
          const token = await signIdToken({ nonce: NONCE }, { key: foreign });
          error = await rejection(newVerifier().verify(token, NONCE));
        });

        it('rejects with an InternalOAuthError', () =>
          expect(error).to.be.instanceOf(InternalOAuthError));
        it('says the token is not ES256', () =>
          expect(error.message).to.equal('Failed to verify the ID token: not signed with ES256'));
      });
    }
  });

  describe("when Whop's keys cannot be had", () => {
    const cases: [string, (i: nock.Interceptor) => nock.Scope, RegExp, number][] = [
      [
        'a 503',
        (i) => i.reply(503, { message: 'down' }),
        /^Failed to fetch Whop's signing keys: Whop answered HTTP 503: down$/,
        10_000,
      ],
      [
        'a hang',
        (i) => i.delay(2000).reply(200, {}),
        /^Failed to fetch Whop's signing keys: timed out after 50 ms$/,
        50,
      ],
      [
        'a network error',
        (i) => i.replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
        /^Failed to fetch Whop's signing keys: request failed/,
        10_000,
      ],
    ];
    for (const [what, answer, message, timeout] of cases) {
      it(`rejects with an InternalOAuthError naming the step for ${what}`, async () => {
        answer(nock(API).get(JWKS_PATH));
        const token = await signIdToken({ nonce: NONCE }, { key });
        const error = await rejection(newVerifier(timeout).verify(token, NONCE));
        expect(error).to.be.instanceOf(InternalOAuthError);
        expect(error.message).to.match(message);
      });
    }

    it('says so when the body is not a JWKS', async () => {
      nock(API).get(JWKS_PATH).reply(200, { keys: 'none' });
      const token = await signIdToken({ nonce: NONCE }, { key });
      const error = await rejection(newVerifier().verify(token, NONCE));
      expect(error.message).to.equal('Failed to verify the ID token: JSON Web Key Set malformed');
    });

    it('tries again on the next login', async () => {
      nock(API).get(JWKS_PATH).reply(503, { message: 'down' });
      const retry = nock(API).get(JWKS_PATH).reply(200, jwksOf(key));
      const verifier = newVerifier();
      const token = await signIdToken({ nonce: NONCE }, { key });
      await rejection(verifier.verify(token, NONCE));
      expect(await verifier.verify(token, NONCE)).to.include({ nonce: NONCE });
      retry.done();
    });
  });
});

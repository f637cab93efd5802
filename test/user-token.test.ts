import { expect } from 'chai';
import {
  USER_TOKEN_ALGORITHM,
  USER_TOKEN_AUDIENCE,
  USER_TOKEN_EXPIRED,
  USER_TOKEN_ISSUER_INVALID,
  USER_TOKEN_MALFORMED,
  USER_TOKEN_MISSING,
  USER_TOKEN_NO_EXPIRY,
  USER_TOKEN_NO_SUBJECT,
  USER_TOKEN_NOT_YET_VALID,
  USER_TOKEN_SIGNATURE,
  WhopAppStrategy,
} from '../src/index.js';
import { createKey, type TestKey } from './support/id-tokens.js';
import {
  APP_ID,
  signUserToken,
  startAppStrategyApp,
  startKeyServer,
  unsignedToken,
  USER_ID,
  type AppOutcome,
  type KeyServer,
} from './support/user-tokens.js';

const HEADER = 'x-whop-user-token';

describe('WhopAppStrategy: the rules of a user token', () => {
  let key: TestKey;
  let rsaKey: TestKey;
  let hmacKey: TestKey;
  let foreignKey: TestKey;
  let keys: KeyServer;
  let app: Awaited<ReturnType<typeof startAppStrategyApp>>;
  let verified: unknown[];
  before(async () => {
    [key, rsaKey, hmacKey, foreignKey] = await Promise.all([
      createKey('whop-1'),
      createKey('whop-rsa', 'RS256'),
      createKey('whop-hmac', 'HS256'),
      createKey('whop-1'),
    ]);
    keys = await startKeyServer(key, rsaKey, hmacKey);
    verified = [];
    const strategy = new WhopAppStrategy({ appId: APP_ID, jwksURL: keys.jwksURL }, async (user) => {
      verified.push(user);
      return { id: user.userId };
    });
    app = await startAppStrategyApp(strategy);
  });
  after(async () => {
    await app.close();
    await keys.close();
  });
  beforeEach(() => (verified = []));

  /** What the app saw for a request carrying `token` in Whop's header. */
  const send = (token: string) => app.outcome({ [HEADER]: token });

  describe('with a valid token', () => {
    let outcome: AppOutcome;
    beforeEach(async () => (outcome = await send(await signUserToken(key))));

    it('lets the request in', () =>
      expect(outcome).to.deep.equal({ status: 200, user: { id: USER_ID } }));
    it('calls verify with the user', () =>
      expect(verified)
        .to.have.length(1)
        .and.to.satisfy(
          ([user]: { userId: string; appId: string }[]) =>
            user!.userId === USER_ID && user!.appId === APP_ID,
        ));
  });

  /** Each rule: the token that breaks it, the code, and words the message must hold. */
  const rules: [string, () => Promise<string> | string, string, RegExp][] = [
    [
      'another issuer',
      () => signUserToken(key, { iss: 'urn:someone:else' }),
      USER_TOKEN_ISSUER_INVALID,
      /iss must be urn:whopcom:exp-proxy/,
    ],
    ['no issuer', () => signUserToken(key, { iss: undefined }), USER_TOKEN_ISSUER_INVALID, /iss/],
    [
      "an OAuth 2.1 ID token (Whop's API as issuer, same keys)",
      () => signUserToken(key, { iss: 'https://api.whop.com' }),
      USER_TOKEN_ISSUER_INVALID,
      /not issued by Whop's proxy/,
    ],
    [
      'another app',
      () => signUserToken(key, { aud: 'app_other' }),
      USER_TOKEN_AUDIENCE,
      /not for this app/,
    ],
    ['no audience', () => signUserToken(key, { aud: undefined }), USER_TOKEN_AUDIENCE, /aud/],
    [
      'an audience list holding this app',
      () => signUserToken(key, { aud: [APP_ID] }),
      USER_TOKEN_AUDIENCE,
      /audience is a list/,
    ],
    [
      'an audience list holding this app and another',
      () => signUserToken(key, { aud: ['app_other', APP_ID] }),
      USER_TOKEN_AUDIENCE,
      /a list/,
    ],
    [
      'an expired token',
      () => signUserToken(key, { exp: Math.floor(Date.now() / 1000) - 1 }),
      USER_TOKEN_EXPIRED,
      /has expired/,
    ],
    ['no exp', () => signUserToken(key, { exp: undefined }), USER_TOKEN_NO_EXPIRY, /no expiry/],
    [
      'an exp that is not a number',
      () => signUserToken(key, { exp: 'tomorrow' }),
      USER_TOKEN_NO_EXPIRY,
      /not a number/,
    ],
    [
      'no sub',
      () => signUserToken(key, { sub: undefined }),
      USER_TOKEN_NO_SUBJECT,
      /names no user/,
    ],
    ['an empty sub', () => signUserToken(key, { sub: '' }), USER_TOKEN_NO_SUBJECT, /names no user/],
    [
      'a sub that is not a string',
      () => signUserToken(key, { sub: 42 }),
      USER_TOKEN_NO_SUBJECT,
      /names no user/,
    ],
    [
      'an nbf in the future',
      () => signUserToken(key, { nbf: Math.floor(Date.now() / 1000) + 600 }),
      USER_TOKEN_NOT_YET_VALID,
      /nbf/,
    ],
    [
      'RS256 (a key Whop might also publish)',
      () => signUserToken(rsaKey),
      USER_TOKEN_ALGORITHM,
      /not signed with ES256/,
    ],
    [
      'HS256 (a symmetric key in the set)',
      () => signUserToken(hmacKey),
      USER_TOKEN_ALGORITHM,
      /ES256/,
    ],
    ['alg none (unsigned)', () => unsignedToken(), USER_TOKEN_ALGORITHM, /ES256/],
    [
      'a signature by another key under a known kid',
      () => signUserToken(foreignKey),
      USER_TOKEN_SIGNATURE,
      /signature that none of Whop's keys verifies/,
    ],
    [
      'a kid not among the keys',
      () => signUserToken(foreignKey, {}, { kid: 'forged' }),
      USER_TOKEN_SIGNATURE,
      /not among Whop's keys/,
    ],
    [
      'a tampered payload',
      async () => {
        const [h, , s] = (await signUserToken(key)).split('.');
        const payload = Buffer.from(
          JSON.stringify({
            iss: 'urn:whopcom:exp-proxy',
            aud: APP_ID,
            sub: 'user_admin',
            exp: 9_999_999_999,
          }),
        ).toString('base64url');
        return `${h}.${payload}.${s}`;
      },
      USER_TOKEN_SIGNATURE,
      /signature/,
    ],
    ['garbage', () => 'not a token', USER_TOKEN_MALFORMED, /malformed/],
    ['three parts of garbage', () => 'a.b.c', USER_TOKEN_MALFORMED, /malformed/],
    [
      "a token longer than any of Whop's",
      () => `${'a'.repeat(9000)}.b.c`,
      USER_TOKEN_MALFORMED,
      /longer than 8192/,
    ],
  ];

  for (const [rule, make, code, words] of rules) {
    describe(`with ${rule}`, () => {
      let token: string;
      let outcome: AppOutcome;
      beforeEach(async () => {
        token = await make();
        outcome = await send(token);
      });

      it(`fails with 401 and ${code}`, () =>
        expect([outcome.status, outcome.info?.code]).to.deep.equal([401, code]));
      it('says which rule', () => expect(outcome.info?.message).to.match(words));
      it('never calls verify', () => expect(verified).to.deep.equal([]));
      it('does not quote the token, nor its signature', () => {
        const signature = token.split('.')[2] ?? '';
        const text = JSON.stringify(outcome);
        expect(text).not.to.include(token);
        if (signature.length >= 16) expect(text).not.to.include(signature);
      });
    });
  }

  describe('without a token', () => {
    let outcome: AppOutcome;
    beforeEach(async () => (outcome = await app.outcome()));

    it(`fails with 401 and ${USER_TOKEN_MISSING}`, () =>
      expect([outcome.status, outcome.info?.code]).to.deep.equal([401, USER_TOKEN_MISSING]));
    it('names the header and the cookie', () =>
      expect(outcome.info?.message).to.include(HEADER).and.to.include('whop_user_token'));
  });

  describe('with a valid token in the query string only', () => {
    it('does not read it', async () => {
      const token = encodeURIComponent(await signUserToken(key));
      const outcome = await app.outcome(
        {},
        `/check?${HEADER}=${token}&whop_user_token=${token}&whop-dev-user-token=${token}`,
      );
      expect([outcome.status, outcome.info?.code]).to.deep.equal([401, USER_TOKEN_MISSING]);
    });
  });

  describe('through the plain route (no custom callback)', () => {
    it('answers 401 to a bad token', async () => {
      const response = await fetch(`${app.url}/me`, { headers: { [HEADER]: 'garbage' } });
      expect(response.status).to.equal(401);
    });
    it('answers the user to a good one', async () => {
      const response = await fetch(`${app.url}/me`, {
        headers: { [HEADER]: await signUserToken(key) },
      });
      expect(await response.json()).to.deep.equal({ id: USER_ID });
    });
  });
});

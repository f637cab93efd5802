import { expect } from 'chai';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import {
  MOCK_CLIENT,
  MOCK_USER,
  MOCK_USER_TOKEN_ISSUER,
  startMockWhop,
  type MockWhop,
} from '../../src/testing/index.js';

describe('MockWhop: embedded apps', () => {
  let whop: MockWhop;
  let now: number;
  before(async () => {
    now = Date.now();
    whop = await startMockWhop({ now: () => now });
  });
  after(() => whop.close());

  const verify = (token: string) =>
    jwtVerify(token, createRemoteJWKSet(new URL(whop.oauth21.jwksURL)), {
      issuer: MOCK_USER_TOKEN_ISSUER,
      algorithms: ['ES256'],
    });

  describe('userToken()', () => {
    let token: string;
    let payload: JWTPayload;
    before(async () => {
      token = await whop.userToken();
      ({ payload } = await verify(token));
    });

    it("is signed with ES256 by the key the mock's JWKS serves", () =>
      expect(decodeProtectedHeader(token).alg).to.equal('ES256'));
    it("names Whop's proxy as issuer, the first user and the default app", () =>
      expect([payload.iss, payload.sub, payload.aud]).to.deep.equal([
        'urn:whopcom:exp-proxy',
        MOCK_USER.id,
        MOCK_CLIENT.clientID,
      ]));
    it('expires 300 s after the mock’s clock by default', () =>
      expect(payload.exp! - payload.iat!).to.equal(300));
  });

  describe('userToken() with options', () => {
    it('names the user and app given, and the lifetime', async () => {
      const { payload } = await verify(
        await whop.userToken({ userId: 'user_other1', appId: 'app_other1', expiresIn: 60 }),
      );
      expect([payload.sub, payload.aud, payload.exp! - payload.iat!]).to.deep.equal([
        'user_other1',
        'app_other1',
        60,
      ]);
    });
    it('mints an expired token for expiresIn 0 or less', async () => {
      const error = await verify(await whop.userToken({ expiresIn: -1 })).catch((e: Error) => e);
      expect((error as { code?: string }).code).to.equal('ERR_JWT_EXPIRED');
    });
    it('requires appId to be an app_ ID', async () => {
      const error = await whop.userToken({ appId: 'biz_1' }).catch((e: Error) => e);
      expect((error as Error).message).to.equal(
        "MockWhop#userToken requires appId to be an app's ID (app_...)",
      );
    });
    it('requires expiresIn to be a number', async () => {
      const error = await whop.userToken({ expiresIn: Number.NaN }).catch((e: Error) => e);
      expect((error as Error).message).to.equal(
        'MockWhop#userToken requires expiresIn to be a number of seconds',
      );
    });
  });

  describe('appStrategyOptions()', () => {
    it("gives the default app's ID and key, the JWKS and the API", () =>
      expect(whop.appStrategyOptions()).to.deep.equal({
        appId: MOCK_CLIENT.clientID,
        jwksURL: `${whop.url}/.well-known/jwks.json`,
        apiKey: MOCK_CLIENT.clientSecret,
        apiURL: `${whop.url}/api/v1`,
      }));
  });

  describe('the access check with an API key', () => {
    const ask = (user: string, resource: string, key: string) =>
      fetch(`${whop.apiURL}/users/${user}/access/${resource}`, {
        headers: { authorization: `Bearer ${key}` },
      });
    before(() => {
      whop.setAccess('user_app1', 'exp_app1', 'customer');
      whop.setAccess(MOCK_USER.id, 'exp_app1', 'admin');
    });

    it('answers about any user', async () =>
      expect(
        await (await ask('user_app1', 'exp_app1', MOCK_CLIENT.clientSecret)).json(),
      ).to.deep.equal({
        has_access: true,
        access_level: 'customer',
      }));
    it('answers about a known user by username', async () =>
      expect(
        await (await ask(MOCK_USER.username, 'exp_app1', MOCK_CLIENT.clientSecret)).json(),
      ).to.deep.equal({
        has_access: true,
        access_level: 'admin',
      }));
    it('answers no_access for a pair never set', async () =>
      expect(
        await (await ask('user_app1', 'exp_none1', MOCK_CLIENT.clientSecret)).json(),
      ).to.deep.equal({
        has_access: false,
        access_level: 'no_access',
      }));
    it('refuses a key no app has with 401', async () =>
      expect((await ask('user_app1', 'exp_app1', 'not_a_key')).status).to.equal(401));
  });
});

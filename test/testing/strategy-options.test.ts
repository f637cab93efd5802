import { expect } from 'chai';
import { MOCK_CLIENT, startMockWhop, type MockWhop } from '../../src/testing/index.js';

const CALLBACK = 'http://127.0.0.1:4567/auth/whop/callback';

describe('MockWhop#strategyOptions', () => {
  let whop: MockWhop;
  beforeEach(async () => {
    whop = await startMockWhop();
  });
  afterEach(() => whop.close());

  describe('with no arguments', () => {
    it("gives MOCK_CLIENT's credentials, the legacy URLs and its first callback URL", () =>
      expect(whop.strategyOptions()).to.deep.equal({
        ...MOCK_CLIENT,
        authorizationURL: whop.authorizationURL,
        tokenURL: whop.tokenURL,
        userProfileURL: whop.userProfileURL,
        apiURL: whop.apiURL,
        callbackURL: 'http://localhost:3000/auth/whop/callback',
      }));
    it('registers nothing', () => {
      whop.strategyOptions();
      expect(whop.clients[0]!.redirectURIs).to.not.include(CALLBACK);
    });
  });

  describe("with flow: 'oauth2.1'", () => {
    it('gives the OAuth 2.1 URLs and the flow', () =>
      expect(whop.strategyOptions({ flow: 'oauth2.1' })).to.deep.equal({
        flow: 'oauth2.1',
        ...MOCK_CLIENT,
        authorizationURL: whop.oauth21.authorizationURL,
        tokenURL: whop.oauth21.tokenURL,
        userProfileURL: whop.oauth21.userInfoURL,
        jwksURL: whop.oauth21.jwksURL,
        issuer: whop.oauth21.issuer,
        revocationURL: whop.oauth21.revocationURL,
        apiURL: whop.apiURL,
        callbackURL: 'http://localhost:3000/auth/whop/callback',
      }));
  });

  describe('with a callbackURL', () => {
    beforeEach(() => whop.strategyOptions({ callbackURL: CALLBACK }));

    it('returns it as the callbackURL option', () =>
      expect(whop.strategyOptions({ callbackURL: CALLBACK }).callbackURL).to.equal(CALLBACK));
    it('registers it for MOCK_CLIENT beside the port-3000 URIs', () =>
      expect(whop.clients[0]!.redirectURIs).to.deep.equal([
        'http://localhost:3000/auth/whop/callback',
        'http://127.0.0.1:3000/auth/whop/callback',
        CALLBACK,
      ]));
    it('registers it once when asked twice', () => {
      whop.strategyOptions({ callbackURL: CALLBACK });
      expect(whop.clients[0]!.redirectURIs.filter((uri) => uri === CALLBACK)).to.have.lengthOf(1);
    });
    it('lets the authorize page accept it', async () => {
      const url = new URL(whop.authorizationURL);
      url.search = new URLSearchParams({
        client_id: MOCK_CLIENT.clientID,
        redirect_uri: CALLBACK,
        response_type: 'code',
      }).toString();
      expect((await fetch(url)).status).to.equal(200);
    });
  });

  describe('when the arguments are wrong', () => {
    it('refuses a relative callbackURL', () =>
      expect(() => whop.strategyOptions({ callbackURL: '/auth/whop/callback' })).to.throw(
        TypeError,
        'MockWhop#strategyOptions requires callbackURL to be an absolute URL',
      ));
    it('refuses an unknown flow', () =>
      expect(() => whop.strategyOptions({ flow: 'oauth3' as 'oauth2.1' })).to.throw(
        TypeError,
        "MockWhop#strategyOptions requires flow to be 'legacy' or 'oauth2.1'",
      ));
  });
});

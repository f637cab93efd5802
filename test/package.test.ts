import { createRequire } from 'node:module';
import { expect } from 'chai';
import OAuth2Strategy from 'passport-oauth2';

// The built package, through its own `exports` map (run `npm run build` first; `npm test` does).
const require = createRequire(import.meta.url);
const MAIN = [
  'AuthorizationError',
  'CodeStoreFullError',
  'CookieStateStore',
  'InternalOAuthError',
  'MemoryCodeStore',
  'RedisCodeStore',
  'RedisRefreshLock',
  'Strategy',
  'TokenError',
  'WhopStrategy',
  'WhopAppStrategy',
  'checkAccess',
  'isExpired',
  'parseProfile',
  'refreshAccessToken',
  'revokeToken',
];

describe('the package', () => {
  for (const [system, load] of [
    ['CommonJS', async () => require('passport-whop') as Record<string, unknown>],
    ['ES modules', async () => (await import('passport-whop')) as Record<string, unknown>],
  ] as const) {
    describe(`from ${system}`, () => {
      let main: Record<string, unknown>;
      beforeEach(async () => {
        main = await load();
      });

      for (const name of MAIN) it(`exports ${name}`, () => expect(main[name]).to.be.a('function'));
      it('exports Strategy as WhopStrategy', () =>
        expect(main.Strategy).to.equal(main.WhopStrategy));
      it("re-exports passport-oauth2's own error classes", () => {
        expect(main.TokenError).to.equal(OAuth2Strategy.TokenError);
        expect(main.InternalOAuthError).to.equal(OAuth2Strategy.InternalOAuthError);
        expect(main.AuthorizationError).to.equal(OAuth2Strategy.AuthorizationError);
      });
      it('makes strategies that are OAuth2Strategy instances', () => {
        const Whop = main.WhopStrategy as new (o: object, v: () => void) => object;
        const strategy = new Whop(
          { clientID: 'a', clientSecret: 'b', callbackURL: '/cb' },
          () => undefined,
        );
        expect(strategy).to.be.instanceOf(OAuth2Strategy);
      });
    });
  }

  it('shares one WhopStrategy class between the module systems', async () =>
    expect((await import('passport-whop')).WhopStrategy).to.equal(
      require('passport-whop').WhopStrategy,
    ));
  it('serves startMockWhop from the testing subpath to CommonJS', () =>
    expect(require('passport-whop/testing').startMockWhop).to.be.a('function'));
  it('serves startMockWhop from the testing subpath to ES modules', async () =>
    expect((await import('passport-whop/testing')).startMockWhop).to.be.a('function'));
});

import { spawnSync } from 'node:child_process';
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
  'WhopAuthorizationError',
  'WhopInternalOAuthError',
  'WhopStrategy',
  'WhopAppStrategy',
  'WhopTokenError',
  'checkAccess',
  'isExpired',
  'parseProfile',
  'refreshAccessToken',
  'revokeToken',
];
// The stable codes (src/whop/error-codes.ts); docs/errors.md lists them.
const CODES = [
  'CALLBACK_MALFORMED',
  'CODE_ALREADY_USED',
  'CODE_STORE_FAILED',
  'COMPANY_MISMATCH',
  'HOST_INVALID',
  'HTTP_ERROR',
  'ID_TOKEN_INVALID',
  'INVALID_RESPONSE',
  'LOGIN_DECLINED',
  'NO_ACCESS',
  'RATE_LIMITED',
  'REQUEST_FAILED',
  'RESPONSE_TOO_LARGE',
  'SESSION_MISSING',
  'STATE_INVALID',
  'STATE_STORE_FAILED',
  'TIMED_OUT',
  'VERIFIER_MISSING',
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
      it("makes its error classes passport-oauth2's, by instanceof and by name", () => {
        const pairs = [
          [main.WhopTokenError, OAuth2Strategy.TokenError],
          [main.WhopInternalOAuthError, OAuth2Strategy.InternalOAuthError],
          [main.WhopAuthorizationError, OAuth2Strategy.AuthorizationError],
        ] as unknown as [new () => object, new () => object][];
        for (const [own, theirs] of pairs) {
          expect(own.prototype).to.be.instanceOf(theirs);
          expect(own.name).to.equal(theirs.name);
        }
      });
      it('exports each error code as its own name, prefixed WHOP_', () => {
        for (const name of CODES) expect(main[name]).to.equal(`WHOP_${name}`);
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

  // One copy of the code behind both module systems (no dual-package hazard): `instanceof` and
  // the code record agree whichever way an app and its dependencies load the package.
  for (const entry of ['passport-whop', 'passport-whop/testing']) {
    it(`gives ${entry} the same exports, the same objects, to both module systems`, async () => {
      const imported = { ...((await import(entry)) as Record<string, unknown>) };
      const required = { ...(require(entry) as Record<string, unknown>) };
      expect(Object.keys(imported).sort()).to.deep.equal(Object.keys(required).sort());
      for (const name of Object.keys(required))
        expect(imported[name], name).to.equal(required[name]);
    });

    // What Yarn PnP needs: there, `require` of an ES module (jose is ES modules only) fails inside
    // its zip, so the CommonJS build may load ES modules only with `import()`, when needed.
    it(`loads ${entry} from CommonJS without requiring an ES module`, () => {
      const { status, stderr } = spawnSync(
        process.execPath,
        ['--no-experimental-require-module', '-e', `require(${JSON.stringify(entry)})`],
        { encoding: 'utf8' },
      );
      expect(stderr).to.equal('');
      expect(status).to.equal(0);
    });
  }

  it('serves startMockWhop from the testing subpath to CommonJS', () =>
    expect(require('passport-whop/testing').startMockWhop).to.be.a('function'));
  it('serves startMockWhop from the testing subpath to ES modules', async () =>
    expect((await import('passport-whop/testing')).startMockWhop).to.be.a('function'));

  it('starts the mock Whop from CommonJS without requiring an ES module', () => {
    const script = `require('passport-whop/testing').startMockWhop().then((whop) => whop.close())`;
    const { status, stderr } = spawnSync(
      process.execPath,
      ['--no-experimental-require-module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(stderr).to.equal('');
    expect(status).to.equal(0);
  });
});

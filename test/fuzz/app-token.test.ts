import { expect } from 'chai';
import fc from 'fast-check';
import { WhopAppStrategy } from '../../src/index.js';
import { assertNoLeak, assertProperty, ProcessWatch } from '../support/fuzz.js';
import { createKey, type TestKey } from '../support/id-tokens.js';
import { runStrategy } from '../support/run-strategy.js';
import { APP_ID, signUserToken, startKeyServer, type KeyServer } from '../support/user-tokens.js';

const CODES = new Set([
  'WHOP_USER_TOKEN_MISSING',
  'WHOP_USER_TOKEN_MALFORMED',
  'WHOP_USER_TOKEN_ALGORITHM',
  'WHOP_USER_TOKEN_SIGNATURE',
  'WHOP_USER_TOKEN_ISSUER',
  'WHOP_USER_TOKEN_AUDIENCE',
  'WHOP_USER_TOKEN_EXPIRED',
  'WHOP_USER_TOKEN_NO_EXPIRY',
  'WHOP_USER_TOKEN_NO_SUBJECT',
  'WHOP_USER_TOKEN_NOT_YET_VALID',
]);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const json = fc.jsonValue({ maxDepth: 2 });

/** Garbage of every kind: text, JWT-shaped parts of random JSON, a valid token with a change. */
function tokens(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc
      .tuple(json, json, fc.string({ maxLength: 20 }))
      .map(([h, p, s]) => `${b64(h)}.${b64(p)}.${s}`),
    fc
      .record({
        alg: fc.constantFrom('ES256', 'none', 'HS256', 'RS256', 'ES384'),
        kid: fc.option(fc.string()),
      })
      .chain((header) => json.map((payload) => `${b64(header)}.${b64(payload)}.`)),
    fc
      .tuple(fc.nat({ max: valid.length - 1 }), fc.constantFrom('A', '_', '-', '.', '=', 'z'))
      .map(([at, c]) => `${valid.slice(0, at)}${c}${valid.slice(at + 1)}`),
    fc.nat({ max: valid.length - 1 }).map((at) => valid.slice(0, at)),
  );
}

/** A header value as Node, Express, Fastify or a test object may hold it. */
function headerValue(token: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  return fc.oneof(
    token,
    fc.array(token, { maxLength: 3 }),
    fc.constantFrom(undefined, null, 42, {}),
  );
}

describe('fuzz: user tokens and request headers', function () {
  this.timeout(120_000);
  let key: TestKey;
  let keys: KeyServer;
  let valid: string;
  let strategy: WhopAppStrategy;
  let verified: number;
  const watch = new ProcessWatch();
  before(async () => {
    key = await createKey('whop-1');
    keys = await startKeyServer(key);
    valid = await signUserToken(key);
    strategy = new WhopAppStrategy({ appId: APP_ID, jwksURL: keys.jwksURL }, (user, done) => {
      verified++;
      done(null, { id: user.userId });
    });
    watch.start();
  });
  after(async () => {
    watch.stop();
    await keys.close();
  });

  it('refuses every token but a valid one with 401 and a known code, never quoting it', () =>
    assertProperty(
      fc.asyncProperty(tokens(valid), fc.constantFrom('header', 'cookie'), async (token, where) => {
        verified = 0;
        const headers =
          where === 'header'
            ? { 'x-whop-user-token': token }
            : { cookie: `whop_user_token=${encodeURIComponent(token)}` };
        const ending = await runStrategy(strategy, { headers });
        await watch.check();
        if (ending.kind === 'success') {
          // Only a token that verifies: base64url's last character may carry unused bits.
          expect(verified).to.equal(1);
          return;
        }
        expect(ending.kind, JSON.stringify(ending)).to.equal('fail');
        const { challenge, status } = ending as { challenge: { code: string }; status: number };
        expect(status).to.equal(401);
        expect(CODES.has(challenge.code), challenge.code).to.equal(true);
        expect(verified).to.equal(0);
        assertNoLeak([challenge], [token]);
      }),
      300,
      6000,
    ));

  it('takes any headers object without a crash or an error', () =>
    assertProperty(
      fc.asyncProperty(
        fc.dictionary(fc.string({ maxLength: 20 }), headerValue(tokens(valid)), { maxKeys: 4 }),
        headerValue(tokens(valid)),
        fc.option(fc.string({ maxLength: 80 })),
        async (others, value, cookie) => {
          const headers = { ...others, 'x-whop-user-token': value, cookie };
          const ending = await runStrategy(strategy, { headers });
          await watch.check();
          expect(['success', 'fail']).to.include(ending.kind);
          if (ending.kind === 'fail') expect(ending.status).to.equal(401);
        },
      ),
      200,
      5000,
    ));
});

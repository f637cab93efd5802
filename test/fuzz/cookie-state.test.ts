import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { FuzzBrowser, startFuzzApp } from '../support/fuzz-app.js';
import { weirdText } from '../support/fuzz-text.js';
import { assertProperty } from '../support/fuzz.js';
import { checkOutcome, COOKIE_SECRET, show, fuzzSuite } from '../support/fuzz-world.js';

const TIMEOUT = 1000;
const DEADLINE = TIMEOUT + 1000;
const COOKIE = 'passport-whop.state';

/** What an attacker (or a broken proxy) does to the state cookie before the callback. */
type Tamper =
  | { readonly kind: 'none' | 'quote' | 'spaces' | 'drop' | 'other-login' | 'sibling' }
  | { readonly kind: 'flip'; readonly at: number; readonly by: string }
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'append' | 'replace'; readonly text: string }
  | { readonly kind: 'forge'; readonly payload: unknown; readonly handle: boolean }
  | { readonly kind: 'late' };

const tamper: fc.Arbitrary<Tamper> = fc.oneof(
  fc.constantFrom<Tamper>(
    { kind: 'none' },
    { kind: 'quote' },
    { kind: 'spaces' },
    { kind: 'drop' },
    { kind: 'other-login' },
    { kind: 'sibling' },
    { kind: 'late' },
  ),
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(200),
    by: fc.constantFrom('A', '_', '-', '.', '0', '%', '='),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(200) }),
  fc.record({ kind: fc.constantFrom('append' as const, 'replace' as const), text: weirdText }),
  fc.record({
    kind: fc.constant('forge' as const),
    // What a holder of the secret could sign: any JSON, or a payload with odd fields.
    payload: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        {
          h: fc.jsonValue({ maxDepth: 1 }),
          v: fc.jsonValue({ maxDepth: 1 }),
          s: fc.jsonValue({ maxDepth: 2 }),
          e: fc.oneof(fc.double(), fc.jsonValue({ maxDepth: 0 })),
        },
        { requiredKeys: [] },
      ),
    ),
    handle: fc.boolean(),
  }),
);

/**
 * A cookie value sealed as CookieStateStore seals (src/stores/cookie-seal.ts), with its secret:
 * AES-256-GCM under the secret's HKDF-SHA256 key, the cookie's name as additional data, and
 * base64url of IV, ciphertext and tag.
 */
function forge(payload: unknown): string {
  const key = Buffer.from(
    hkdfSync('sha256', COOKIE_SECRET, '', 'passport-whop cookie state v2', 32),
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(COOKIE));
  const text = JSON.stringify(payload) ?? 'null';
  const sealed = Buffer.concat([
    iv,
    cipher.update(text, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return sealed.toString('base64url');
}

/** Whether `tampered` still opens as `original` did: the same bytes once base64url-decoded. */
function sameCookie(original: string, tampered: string): boolean {
  return Buffer.from(tampered, 'base64url').equals(Buffer.from(original, 'base64url'));
}

describe('fuzz: the state cookie', function () {
  this.timeout(120_000);
  const suite = fuzzSuite();

  async function run(flow: 'legacy' | 'oauth2.1', change: Tamper) {
    const { whop } = suite.world;
    const oauth21 = flow === 'oauth2.1';
    suite.world.answerWell(oauth21);
    let clock = Date.now();
    const strategy = suite.world.strategy({
      flow,
      store: 'cookie',
      timeout: TIMEOUT,
      now: () => clock,
    });
    const app = await startFuzzApp([strategy], { parser: 'simple', session: false });
    try {
      const browser = new FuzzBrowser(app.url);
      const other = new FuzzBrowser(app.url);
      await other.start('/auth/whop', DEADLINE);
      const { state, nonce } = await browser.start('/auth/whop', DEADLINE);
      suite.world.nonce = nonce;
      const original = browser.cookies.get(COOKIE)!;
      let value = original;
      let header: string | undefined;
      switch (change.kind) {
        case 'quote':
          value = `"${original}"`;
          break;
        case 'spaces':
          header = `${COOKIE}=  ${original}  `;
          break;
        case 'drop':
          header = 'unrelated=1';
          break;
        case 'other-login':
          value = other.cookies.get(COOKIE)!;
          break;
        case 'sibling':
          header = `${COOKIE}=garbage.garbage; ${COOKIE}=${original}`;
          break;
        case 'late':
          clock += 11 * 60 * 1000;
          break;
        case 'flip':
          value = `${original.slice(0, change.at % original.length)}${change.by}${original.slice((change.at % original.length) + 1)}`;
          break;
        case 'cut':
          value = original.slice(0, change.at % original.length);
          break;
        case 'append':
          value = `${original}${change.text}`;
          break;
        case 'replace':
          value = change.text;
          break;
        case 'forge': {
          const payload = change.payload;
          const withHandle =
            change.handle &&
            typeof payload === 'object' &&
            payload !== null &&
            !Array.isArray(payload)
              ? { ...payload, h: state }
              : payload;
          value = forge(withHandle);
          break;
        }
      }
      // A Cookie header carries printable ASCII; `;` would end the value.
      value = value.replace(/[^\x20-\x3a\x3c-\x7e]/g, '');
      const cookie = header ?? `${COOKIE}=${value}`;
      const code = suite.world.code();
      const { id, reply } = await browser.send({
        path: `/auth/whop/callback?code=${code}&state=${encodeURIComponent(state!)}`,
        headers: { cookie },
        deadlineMs: DEADLINE,
      });
      expect(reply, `no answer within ${DEADLINE} ms`).not.to.equal(undefined);
      const outcome = checkOutcome(app.seen.get(id)?.outcome, suite.world.secrets(code));
      const context = `${change.kind}: ${show(cookie)} gave ${show(outcome)}`;
      const intact =
        ['none', 'quote', 'spaces', 'sibling'].includes(change.kind) ||
        (['flip', 'cut', 'append', 'replace'].includes(change.kind) && sameCookie(original, value));
      if (intact) {
        expect(outcome.kind, context).to.equal('success');
      } else if (change.kind !== 'forge') {
        expect(outcome.kind, context).to.equal('fail');
        expect(outcome.status, context).to.equal(403);
        expect(whop.to('token'), context).to.have.length(0);
      }
      // A forged cookie is sealed with the secret, so it opens: whatever it holds (no verifier,
      // no nonce in OAuth 2.1: an ID token error), the login ends as checkOutcome requires.
    } finally {
      await app.close();
      expect(whop.replayedCodes(), 'a code was sent to Whop twice').to.deep.equal([]);
      expect(whop.faults).to.deep.equal([]);
      await suite.watch.check();
    }
  }

  it('lets through only the cookie it set, unchanged, and fails every other login with 403', () =>
    assertProperty(
      fc.asyncProperty(fc.constantFrom('legacy' as const, 'oauth2.1' as const), tamper, run),
      60,
      1_500,
    ));
});

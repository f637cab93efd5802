import { expect } from 'chai';
import fc from 'fast-check';
import { isExpired, refreshAccessToken, revokeToken, type WhopTokens } from '../../src/index.js';
import { answerPlan, type AnswerPlan } from '../support/fuzz-answers.js';
import { answerOf } from '../support/fuzz-bodies.js';
import { assertNoLeak, assertProperty, isDocumentedError, marker } from '../support/fuzz.js';
import { unsafeText } from '../support/fuzz-text.js';
import { show, fuzzSuite } from '../support/fuzz-world.js';

const TIMEOUT = 250;
const DEADLINE = TIMEOUT + 1000;
const TEN_YEARS = 10 * 365 * 24 * 3600;

const cases = fc.record({
  flow: fc.constantFrom('legacy' as const, 'oauth2.1' as const),
  action: fc.constantFrom('refresh' as const, 'revoke' as const),
  /** The token passed in: marked, sometimes with characters no form or header should carry. */
  tail: fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    unsafeText,
    // As long as Whop's JWTs, so that an echo cut at 300 characters falls inside it.
    fc.constant('R'.repeat(600)),
  ),
  token: answerPlan('token', TIMEOUT),
  revoke: answerPlan('revoke', TIMEOUT),
});

/** What a refresh must give back, whatever Whop sent. */
function checkTokens(tokens: WhopTokens): void {
  const prototype = Object.getPrototypeOf(tokens.params);
  expect(prototype === Object.prototype || prototype === null, 'params inherit').to.equal(true);
  expect(tokens.accessToken).to.be.a('string').and.not.equal('');
  if (tokens.scope !== undefined)
    expect(Object.hasOwn(tokens.params, 'scope'), 'an inherited scope').to.equal(true);
  const now = Date.now() / 1000;
  if (tokens.expiresAt !== undefined)
    expect(tokens.expiresAt).to.be.within(now - 2, now + TEN_YEARS + 2);
  expect(() => isExpired(tokens.expiresAt)).not.to.throw();
}

describe('fuzz: refresh and revoke', function () {
  this.timeout(120_000);
  const suite = fuzzSuite();

  async function run(input: {
    flow: 'legacy' | 'oauth2.1';
    action: 'refresh' | 'revoke';
    tail: string;
    token: AnswerPlan;
    revoke: AnswerPlan;
  }) {
    const { whop } = suite.world;
    const oauth21 = input.flow === 'oauth2.1';
    whop.reset();
    whop.responders = {
      token: (request) => answerOf(input.token, request, suite.world.context, oauth21),
      revoke: (request) => answerOf(input.revoke, request, suite.world.context, oauth21),
    };
    const strategy = suite.world.strategy({ flow: input.flow, store: 'session', timeout: TIMEOUT });
    const token = `${marker()}token${input.tail}`;
    const started = performance.now();
    const call =
      input.action === 'refresh'
        ? refreshAccessToken(strategy, token)
        : revokeToken(strategy, token);
    let deadline: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      call.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      new Promise<undefined>(
        (resolve) => (deadline = setTimeout(() => resolve(undefined), DEADLINE)),
      ),
    ]);
    clearTimeout(deadline);
    try {
      expect(settled, `not settled within ${DEADLINE} ms`).not.to.equal(undefined);
      expect(performance.now() - started).to.be.below(DEADLINE);
      if ('error' in settled!) {
        const { error } = settled;
        expect(isDocumentedError(error), `an undocumented error: ${show(error)}`).to.equal(true);
        assertNoLeak([error], suite.world.secrets(token));
      } else if (input.action === 'refresh') {
        checkTokens(settled!.value as WhopTokens);
      }
    } finally {
      // A call past its deadline is still awaited (10 s at most): its request must not reach
      // the fake Whop during the next case.
      let cap: NodeJS.Timeout | undefined;
      await Promise.race([
        call.then(
          () => undefined,
          () => undefined,
        ),
        new Promise((resolve) => (cap = setTimeout(resolve, 10_000))),
      ]);
      clearTimeout(cap);
      expect(whop.faults).to.deep.equal([]);
      await suite.watch.check();
    }
  }

  it('settles each call in time, with sound tokens or a documented error that quotes no secret', () =>
    assertProperty(fc.asyncProperty(cases, run), 100, 1_500));
});

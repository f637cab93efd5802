import { expect } from 'chai';
import fc from 'fast-check';
import { startFuzzApp, FuzzBrowser, type Seen } from '../support/fuzz-app.js';
import {
  callbackPlan,
  COMPANY,
  materialize,
  type CallbackPlan,
} from '../support/fuzz-callbacks.js';
import { assertProperty } from '../support/fuzz.js';
import { checkOutcome, show, type StrategySetup, fuzzSuite } from '../support/fuzz-world.js';

// Whop answers every request at once here: a callback ends in the time of the app's own work.
const TIMEOUT = 1000;
const DEADLINE = TIMEOUT + 1000;

type Expected = 'redirect' | 'denied' | 'malformed' | 'mismatch' | 'scope' | 'success';

/** What the strategy must make of a callback, from what Express parsed of it. */
function expected(seen: Seen, setup: StrategySetup, state: string): Expected {
  const query = (seen.query ?? {}) as Record<string, unknown>;
  const body = (seen.body ?? {}) as Record<string, unknown>;
  // One string, with no lone surrogate (no UTF-8 form: it could not be sent to Whop).
  const one = (value: unknown) =>
    value === undefined || (typeof value === 'string' && !/\p{Cs}/u.test(value));
  if (query.error !== undefined && query.error !== '')
    return one(query.error) ? 'denied' : 'malformed';
  const malformed = [query.code, query.state, query.scope, body.code, body.state].some(
    (v) => !one(v),
  );
  const code = query.code || body.code;
  if (!code) return 'redirect';
  if (malformed) return 'malformed';
  if ((query.state || body.state) !== state) return 'mismatch';
  const scope = query.scope;
  if (setup.flow === 'legacy' && typeof scope === 'string' && scope !== '') {
    if (scope !== (setup.company ? COMPANY : undefined)) return 'scope';
  }
  return 'success';
}

const setups: fc.Arbitrary<StrategySetup & { parser: 'simple' | 'extended' }> = fc.record({
  flow: fc.constantFrom('legacy' as const, 'oauth2.1' as const),
  store: fc.constantFrom('session' as const, 'cookie' as const),
  company: fc.boolean(),
  parser: fc.constantFrom('simple' as const, 'extended' as const),
  timeout: fc.constant(TIMEOUT),
});

describe('fuzz: callbacks', function () {
  this.timeout(120_000);
  const suite = fuzzSuite();

  /** One login started, one fuzzed callback; what came of it. */
  async function run(setup: StrategySetup & { parser: 'simple' | 'extended' }, plan: CallbackPlan) {
    const { whop } = suite.world;
    const oauth21 = setup.flow === 'oauth2.1';
    suite.world.answerWell(oauth21);
    const strategy = suite.world.strategy(setup);
    const app = await startFuzzApp([strategy], {
      parser: setup.parser,
      session: setup.store === 'session',
    });
    try {
      const browser = new FuzzBrowser(app.url);
      const { state, nonce } = await browser.start('/auth/whop', DEADLINE);
      suite.world.nonce = nonce;
      const callback = materialize(plan, '/auth/whop/callback', { state: state! });
      const { id, reply } = await browser.send({ ...callback, deadlineMs: DEADLINE });
      expect(reply, `no answer within ${DEADLINE} ms`).not.to.equal(undefined);
      const seen = app.seen.get(id);
      // Node itself refuses a request line over 16 KiB (431), before Express sees it.
      if (!seen) return void expect(reply!.status, 'not seen by the app').to.equal(431);
      const secrets = suite.world.secrets(...callback.codes);
      const want = expected(seen, setup, state!);
      const context = () =>
        `expected ${want}; got ${reply!.status} ${show(seen?.outcome)} for ${show(seen?.query)} ${show(seen?.body)}`;
      if (want === 'redirect') {
        // No code: the callback starts a login; a malformed one may fail instead.
        if (reply!.status !== 302) checkOutcome(seen?.outcome, secrets);
        return;
      }
      const outcome = checkOutcome(seen?.outcome, secrets);
      const tokenRequests = whop.to('token').length;
      switch (want) {
        case 'denied':
          expect(outcome.kind, context()).to.be.oneOf(['fail', 'error']);
          expect(tokenRequests, context()).to.equal(0);
          break;
        case 'malformed': {
          expect(outcome.kind, context()).to.equal('fail');
          expect(outcome.status, context()).to.equal(400);
          expect(tokenRequests, context()).to.equal(0);
          // Refused before the state was used: the login can still finish.
          const retry = await browser.send({
            path: `/auth/whop/callback?code=${suite.world.code()}&state=${encodeURIComponent(state!)}`,
            deadlineMs: DEADLINE,
          });
          expect(app.seen.get(retry.id)?.outcome?.kind, 'the state was used up').to.equal(
            'success',
          );
          break;
        }
        case 'mismatch':
          expect(outcome.kind, context()).to.equal('fail');
          expect(outcome.status, context()).to.equal(403);
          expect(tokenRequests, context()).to.equal(0);
          break;
        case 'scope':
          expect(outcome.kind, context()).to.be.oneOf(['fail', 'success']);
          break;
        case 'success':
          expect(outcome.kind, context()).to.equal('success');
          expect(tokenRequests, context()).to.equal(1);
          break;
      }
    } finally {
      await app.close();
      expect(whop.replayedCodes(), 'a code was sent to Whop twice').to.deep.equal([]);
      expect(whop.faults).to.deep.equal([]);
      await suite.watch.check();
    }
  }

  it('ends each callback in time, as its query says, with no secret in any error', () =>
    assertProperty(fc.asyncProperty(setups, callbackPlan, run), 100, 3_000));
});

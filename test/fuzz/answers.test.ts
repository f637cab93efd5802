import { expect } from 'chai';
import fc from 'fast-check';
import { isExpired, type WhopTokenParams } from '../../src/index.js';
import { answerPlan, type AnswerPlan } from '../support/fuzz-answers.js';
import { answerOf, happyJwks, happyProfile } from '../support/fuzz-bodies.js';
import { FuzzBrowser, startFuzzApp } from '../support/fuzz-app.js';
import { assertProperty } from '../support/fuzz.js';
import { checkOutcome, show, type StrategySetup, fuzzSuite } from '../support/fuzz-world.js';

// Short, so that answers that come late, slowly or never cost little; the deadline is the
// property: every callback answered within the timeout and a second.
const TIMEOUT = 250;
const DEADLINE = TIMEOUT + 1000;
const TEN_YEARS = 10 * 365 * 24 * 3600;

interface Plans {
  readonly token: AnswerPlan;
  readonly profile: AnswerPlan;
  readonly jwks: AnswerPlan;
}

const setups = fc.record({
  flow: fc.constantFrom('legacy' as const, 'oauth2.1' as const),
  store: fc.constantFrom('session' as const, 'cookie' as const),
  timeout: fc.constant(TIMEOUT),
});
const plans: fc.Arbitrary<Plans> = fc.record({
  token: answerPlan('token', TIMEOUT),
  profile: answerPlan('profile', TIMEOUT),
  jwks: answerPlan('jwks', TIMEOUT),
});
/** Only the token answer is random: most logins reach verify, whose params are checked. */
const tokenPlans: fc.Arbitrary<Plans | Pick<Plans, 'token'>> = fc.record({
  token: answerPlan('token', TIMEOUT),
});

/** Whether an object holds only its own data: no prototype but Object's (or none). */
function plain(value: unknown): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** What a login's tokens must be, whatever Whop sent. */
function checkParams(params: WhopTokenParams, oauth21: boolean): void {
  expect(plain(params), `params inherit: ${show(Object.getPrototypeOf(params))}`).to.equal(true);
  expect(params.access_token).to.be.a('string').and.not.equal('');
  const now = Date.now() / 1000;
  if (params.expires_at !== undefined) {
    expect(params.expires_at, 'expires_at')
      .to.be.a('number')
      .within(now - 2, now + TEN_YEARS + 2);
    expect(params.expires_in, 'expires_in').to.be.a('number').within(0, TEN_YEARS);
  }
  expect(() => isExpired(params.expires_at), 'isExpired').not.to.throw();
  // Every login of this suite asks for `openid` (the default scopes).
  if (oauth21) expect(params.id_token_claims, 'an unverified login').to.be.an('object');
}

describe("fuzz: Whop's answers", function () {
  this.timeout(120_000);
  const suite = fuzzSuite();

  async function run(setup: StrategySetup, plan: Plans | Pick<Plans, 'token'>) {
    const { whop } = suite.world;
    const oauth21 = setup.flow === 'oauth2.1';
    whop.reset();
    whop.responders = {
      token: (request) => answerOf(plan.token, request, suite.world.context, oauth21),
      profile: (request) =>
        'profile' in plan
          ? answerOf(plan.profile, request, suite.world.context, oauth21)
          : happyProfile(oauth21),
      jwks: (request) =>
        'jwks' in plan
          ? answerOf(plan.jwks, request, suite.world.context, oauth21)
          : happyJwks(suite.world.context),
    };
    const app = await startFuzzApp([suite.world.strategy(setup)], {
      parser: 'simple',
      session: setup.store === 'session',
    });
    try {
      const browser = new FuzzBrowser(app.url);
      const { state, nonce } = await browser.start('/auth/whop', DEADLINE);
      suite.world.nonce = nonce;
      const code = `${suite.world.code()}`;
      const { id, reply } = await browser.send({
        path: `/auth/whop/callback?code=${code}&state=${encodeURIComponent(state!)}`,
        deadlineMs: DEADLINE,
      });
      expect(reply, `no answer within ${DEADLINE} ms`).not.to.equal(undefined);
      const outcome = checkOutcome(app.seen.get(id)?.outcome, suite.world.secrets(code));
      // At most once: on a busy machine the login's time may run out before the token request.
      expect(whop.to('token').length, 'the code was exchanged twice').to.be.at.most(1);
      if (outcome.kind === 'success') {
        checkParams(outcome.user!.params, oauth21);
        const profile = outcome.user!.profile;
        if (profile) expect(plain(profile._json), 'profile._json inherits').to.equal(true);
      }
    } finally {
      await app.close();
      expect(whop.replayedCodes(), 'a code was sent to Whop twice').to.deep.equal([]);
      expect(whop.faults).to.deep.equal([]);
      await suite.watch.check();
    }
  }

  it('gives verify sound tokens, whatever the token endpoint answers', () =>
    assertProperty(fc.asyncProperty(setups, tokenPlans, run), 60, 2_500));

  it('ends each login in time, with sound tokens or a documented error that quotes no secret', () =>
    assertProperty(fc.asyncProperty(setups, plans, run), 60, 2_500));
});

import { expect } from 'chai';
import fc from 'fast-check';
import type { Answer } from '../support/fuzz-whop.js';
import { FuzzBrowser, startFuzzApp } from '../support/fuzz-app.js';
import { happyProfile, happyToken } from '../support/fuzz-bodies.js';
import { assertProperty } from '../support/fuzz.js';
import { checkOutcome, fuzzSuite } from '../support/fuzz-world.js';

const TIMEOUT = 2000;
const DEADLINE = TIMEOUT + 1000;
// Two strategies in one process, as an app with a user login and a company login has them:
// each with the default code store and the default session key.
const NAMES = ['whop', 'whop-company'] as const;

const scenario = fc.record({
  /** Which browser starts a login at which strategy, in order. */
  starts: fc.array(fc.tuple(fc.nat(1), fc.nat(1)), { minLength: 1, maxLength: 4 }),
  /** Callbacks sent all at once: browser, strategy, which code of the pool. */
  callbacks: fc.array(fc.tuple(fc.nat(1), fc.nat(1), fc.nat(1)), { minLength: 2, maxLength: 5 }),
  /** How long Whop takes to answer each token request: the window a second exchange needs. */
  delays: fc.array(fc.nat(30), { minLength: 5, maxLength: 5 }),
  company: fc.boolean(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

describe('fuzz: one code, several callbacks', function () {
  this.timeout(120_000);
  const suite = fuzzSuite();

  async function run({ starts, callbacks, delays, company }: Scenario) {
    const { whop } = suite.world;
    whop.reset();
    let answered = 0;
    whop.responders = {
      token: async (): Promise<Answer> => ({
        ...(await happyToken(suite.world.context, false)),
        delivery: { kind: 'whole', delayMs: delays[answered++ % delays.length]! },
      }),
      profile: () => happyProfile(false),
    };
    const strategies = NAMES.map((name, i) =>
      suite.world.strategy({
        flow: 'legacy',
        store: 'session',
        timeout: TIMEOUT,
        name,
        company: company && i === 1,
      }),
    );
    const app = await startFuzzApp(strategies, { parser: 'simple', session: true });
    try {
      const browsers = [new FuzzBrowser(app.url), new FuzzBrowser(app.url)];
      const states = browsers.map(() => new Map<number, string>());
      for (const [b, s] of starts) {
        const { state } = await browsers[b]!.start(`/auth/${NAMES[s]}`, DEADLINE);
        states[b]!.set(s, state!);
      }
      const codes = [suite.world.code(), suite.world.code()];
      const sent = await Promise.all(
        callbacks.map(([b, s, c]) => {
          const state = states[b]!.get(s) ?? [...states[b]!.values()].at(-1) ?? 'none';
          return browsers[b]!.send({
            path: `/auth/${NAMES[s]}/callback?code=${codes[c]}&state=${encodeURIComponent(state)}`,
            deadlineMs: DEADLINE,
          });
        }),
      );
      for (const { id, reply } of sent) {
        expect(reply, `no answer within ${DEADLINE} ms`).not.to.equal(undefined);
        checkOutcome(app.seen.get(id)?.outcome, suite.world.secrets(...codes));
      }
    } finally {
      await app.close();
      expect(whop.replayedCodes(), 'a code was sent to Whop twice').to.deep.equal([]);
      expect(whop.faults).to.deep.equal([]);
      await suite.watch.check();
    }
  }

  it('sends no code to Whop twice, whatever the strategy, browser and order', () =>
    assertProperty(fc.asyncProperty(scenario, run), 40, 2_000));
});

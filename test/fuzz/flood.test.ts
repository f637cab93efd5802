import { expect } from 'chai';
import fc from 'fast-check';
import { MemoryCodeStore, type StateStore } from '../../src/index.js';
import type { Answer } from '../support/fuzz-whop.js';
import { FuzzBrowser, startFuzzApp } from '../support/fuzz-app.js';
import { happyProfile, happyToken } from '../support/fuzz-bodies.js';
import { assertProperty } from '../support/fuzz.js';
import { checkOutcome, fuzzSuite, show } from '../support/fuzz-world.js';

const TIMEOUT = 2000;
const DEADLINE = TIMEOUT + 1000;

/**
 * What arrives at the callback, in order: a real login's code (Whop accepts it), junk Whop
 * refuses (400) or answers ambiguously (502: the code may be spent), or an earlier code again.
 */
type Action =
  | { readonly kind: 'real' | 'refused' | 'ambiguous' }
  | { readonly kind: 'again'; readonly which: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'real' as const }) },
  { weight: 5, arbitrary: fc.constant({ kind: 'refused' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'ambiguous' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('again' as const), which: fc.nat(40) }) },
);

/** A state store that accepts every callback: as if each junk callback came with a fresh state. */
const anyState = {
  store: (_req: unknown, _state: unknown, _meta: unknown, done: (e: null, h: string) => void) =>
    done(null, 'handle'),
  verify: (_req: unknown, _state: string, done: (e: null, ok: true) => void) => done(null, true),
} as unknown as StateStore;

describe('fuzz: a flood of junk codes', function () {
  this.timeout(120_000);
  const suite = fuzzSuite();

  async function run(maxCodes: number, actions: readonly Action[]) {
    const { whop } = suite.world;
    whop.reset();
    whop.responders = {
      token: (request): Answer | Promise<Answer> => {
        const code = request.form.code ?? '';
        if (code.endsWith('_refused'))
          return { status: 400, body: '{"error":"invalid_grant"}', headers: JSON_TYPE };
        if (code.endsWith('_ambiguous')) return { status: 502, body: 'Bad Gateway' };
        return happyToken(suite.world.context, false);
      },
      profile: () => happyProfile(false),
    };
    const codeStore = new MemoryCodeStore({ maxCodes });
    const strategy = suite.world.strategy({
      flow: 'legacy',
      store: anyState,
      timeout: TIMEOUT,
      codeStore,
    });
    const app = await startFuzzApp([strategy], { parser: 'simple', session: false });
    const sent: string[] = [];
    const held = new Set<string>();
    try {
      const browser = new FuzzBrowser(app.url);
      for (const step of actions) {
        const code =
          step.kind === 'again'
            ? (sent[step.which % Math.max(1, sent.length)] ?? `${suite.world.code()}_refused`)
            : `${suite.world.code()}_${step.kind}`;
        sent.push(code);
        const before = whop.codes.get(code) ?? 0;
        // The codes the record must hold: those Whop accepted or may have spent.
        const room = held.size < maxCodes;
        const { id, reply } = await browser.send({
          path: `/auth/whop/callback?code=${code}&state=handle`,
          deadlineMs: DEADLINE,
        });
        expect(reply, `no answer within ${DEADLINE} ms`).not.to.equal(undefined);
        const outcome = checkOutcome(app.seen.get(id)?.outcome, suite.world.secrets(code));
        const context = `${code} with ${held.size} of ${maxCodes} held: ${show(outcome)}`;
        const after = whop.codes.get(code) ?? 0;
        if (code.endsWith('_refused')) {
          // Released each time: while there is room, junk is always sent (and refused).
          if (room) expect(after, context).to.equal(before + 1);
        } else {
          // A code Whop accepted, or may have spent, never goes to Whop again...
          expect(after, context).to.be.at.most(1);
          // ...and while there is room, no junk before it kept a new one from being sent.
          if (room) expect(after, context).to.equal(1);
          if (before === 1) expect(outcome.kind, context).to.equal('fail');
          if (after === 1) held.add(code);
        }
        // A new code the full record cannot take fails the login (CodeStoreFullError), unsent.
        if (!room && before === 0 && after === 0) expect(outcome.kind, context).to.equal('error');
        expect(codeStore.size, context).to.be.at.most(maxCodes);
      }
    } finally {
      await app.close();
      const replayed = whop.replayedCodes().filter((code) => !code.endsWith('_refused'));
      expect(replayed, 'a code Whop accepted was sent to Whop twice').to.deep.equal([]);
      expect(whop.faults).to.deep.equal([]);
      await suite.watch.check();
    }
  }

  it('never sends a code Whop accepted twice, and junk never fills the record', () =>
    assertProperty(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(action, { minLength: 1, maxLength: 40 }),
        run,
      ),
      30,
      3_000,
    ));
});

const JSON_TYPE = { 'content-type': 'application/json' };

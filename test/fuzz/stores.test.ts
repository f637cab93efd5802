import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { MemoryCodeStore, type CodeStore, type StateStore } from '../../src/index.js';
import { FuzzBrowser, startFuzzApp } from '../support/fuzz-app.js';
import { assertProperty } from '../support/fuzz.js';
import { checkOutcome, show, type StrategySetup, fuzzSuite } from '../support/fuzz-world.js';

// Short, since hanging stores cost it each time; long enough for a login on a busy machine.
const TIMEOUT = 1000;
const DEADLINE = TIMEOUT + 1000;

/** How the app's store behaves: as it should, or not at all as it should. */
type Behavior =
  | 'works'
  | 'taken'
  | 'rejects'
  | 'rejects-quoting'
  | 'rejects-non-error'
  | 'throws'
  | 'hangs'
  | 'late'
  | 'odd-value';
const behavior = fc.constantFrom<Behavior>(
  'works',
  'works',
  'works',
  'taken',
  'rejects',
  'rejects-quoting',
  'rejects-non-error',
  'throws',
  'hangs',
  'late',
  'odd-value',
);

/** A code store (or a cookie store's used-handle store) that behaves as told. */
function codeStore(how: Behavior): CodeStore {
  const memory = new MemoryCodeStore();
  return {
    claim(code, ttlMs) {
      switch (how) {
        case 'works':
          return memory.claim(code, ttlMs);
        case 'taken':
          return Promise.resolve(false);
        case 'rejects':
          return Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379'));
        case 'rejects-quoting':
          return Promise.reject(new Error(`SET ${code} failed: READONLY`, { cause: { code } }));
        case 'rejects-non-error':
          return Promise.reject(`no claim for ${code}`);
        case 'throws':
          throw new Error(`claim(${code}) threw`);
        case 'hangs':
          return new Promise(() => undefined);
        case 'late':
          return new Promise((resolve) => setTimeout(resolve, TIMEOUT + 200, true));
        case 'odd-value':
          return Promise.resolve('yes' as unknown as boolean);
      }
    },
  };
}

/** A state store of the app's own (PKCE-capable) whose verify behaves as told. */
function stateStore(how: Behavior): StateStore {
  const handles = new Map<string, { verifier: string | undefined; state: unknown }>();
  return {
    store(
      _req: unknown,
      verifier: string | undefined,
      state: unknown,
      _meta: unknown,
      callback: (err: Error | null, handle?: string) => void,
    ) {
      const handle = randomBytes(12).toString('hex');
      handles.set(handle, { verifier, state });
      callback(null, handle);
    },
    verify(
      _req: unknown,
      provided: string | undefined,
      callback: (err: Error | null, ok?: boolean | string, state?: unknown) => void,
    ) {
      const found = provided === undefined ? undefined : handles.get(provided);
      if (provided !== undefined) handles.delete(provided);
      const ok = () =>
        callback(
          null,
          found ? (found.verifier ?? true) : false,
          found ? found.state : { message: 'Unknown state' },
        );
      switch (how) {
        case 'works':
        case 'odd-value':
          return ok();
        case 'taken':
          return callback(null, false, { message: 'This state was already used' });
        case 'rejects':
        case 'rejects-non-error':
          return callback(new Error('the state store is down'));
        case 'rejects-quoting':
          return callback(new Error(`no state ${provided}`));
        case 'throws':
          throw new Error(`verify(${provided}) threw`);
        case 'hangs':
          return;
        case 'late':
          return void setTimeout(ok, TIMEOUT + 200);
      }
    },
  } as unknown as StateStore;
}

const setups = fc.record({
  flow: fc.constantFrom('legacy' as const, 'oauth2.1' as const),
  where: fc.constantFrom('codeStore' as const, 'usedStore' as const, 'stateStore' as const),
  how: behavior,
});

describe('fuzz: the app’s stores', function () {
  this.timeout(120_000);
  const suite = fuzzSuite();

  async function run({
    flow,
    where,
    how,
  }: {
    flow: 'legacy' | 'oauth2.1';
    where: string;
    how: Behavior;
  }) {
    const { whop } = suite.world;
    const oauth21 = flow === 'oauth2.1';
    suite.world.answerWell(oauth21);
    const setup: StrategySetup = {
      flow,
      timeout: TIMEOUT,
      store:
        where === 'stateStore' ? stateStore(how) : where === 'usedStore' ? 'cookie' : 'session',
      ...(where === 'codeStore' && { codeStore: codeStore(how) }),
      ...(where === 'usedStore' && { usedStore: codeStore(how) }),
    };
    const app = await startFuzzApp([suite.world.strategy(setup)], {
      parser: 'simple',
      session: setup.store === 'session',
    });
    try {
      const browser = new FuzzBrowser(app.url);
      const { state, nonce } = await browser.start('/auth/whop', DEADLINE);
      suite.world.nonce = nonce;
      const code = suite.world.code();
      const { id, reply } = await browser.send({
        path: `/auth/whop/callback?code=${code}&state=${encodeURIComponent(state!)}`,
        deadlineMs: DEADLINE,
      });
      expect(reply, `no answer within ${DEADLINE} ms`).not.to.equal(undefined);
      const outcome = checkOutcome(app.seen.get(id)?.outcome, suite.world.secrets(code));
      const context = `${where} ${how}: ${show(outcome)}`;
      if (how === 'works') expect(outcome.kind, context).to.equal('success');
      else if (how === 'odd-value') {
        // Not what a store should answer, and not a failure of the store: either way will do.
        expect(whop.to('token').length, context).to.be.at.most(1);
      } else {
        // A store that fails, refuses or does not answer in time: no login, no token request.
        expect(outcome.kind, context).to.be.oneOf(['fail', 'error']);
        expect(whop.to('token'), context).to.have.length(0);
      }
    } finally {
      await app.close();
      expect(whop.replayedCodes(), 'a code was sent to Whop twice').to.deep.equal([]);
      expect(whop.faults).to.deep.equal([]);
      await suite.watch.check();
    }
  }

  it('ends each login in time when a store fails, refuses or hangs, with no token request', () =>
    assertProperty(fc.asyncProperty(setups, run), 25, 4_000));
});

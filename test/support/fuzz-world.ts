// What every fuzz test sets up: the fake Whop with its keys, strategies pointed at it, and the
// checks every outcome must pass.
import { inspect } from 'node:util';
import { expect } from 'chai';
import {
  CookieStateStore,
  WhopStrategy,
  type CodeStore,
  type StateStore,
  type VerifyFunction,
  type WhopOAuth21Options,
  type WhopStrategyOptions,
} from '../../src/index.js';
import { FakeWhop } from './fuzz-whop.js';
import { happyJwks, happyProfile, happyToken, type AnswerContext } from './fuzz-bodies.js';
import { fuzzVerify, type Outcome } from './fuzz-app.js';
import { COMPANY } from './fuzz-callbacks.js';
import { assertNoLeak, isDocumentedError, marker, ProcessWatch, textsOf } from './fuzz.js';
import { hasInjection } from './fuzz-text.js';
import { createKey, type TestKey } from './id-tokens.js';

/** The client secret of every fuzzed strategy: marked, so any quote of it is found. */
export const CLIENT_SECRET = `${marker()}client-secret`;
export const COOKIE_SECRET = 'fuzz cookie secret, 32 characters or more';

export interface StrategySetup {
  readonly flow: 'legacy' | 'oauth2.1';
  /** Where the state is kept: the session (passport-oauth2's store), a CookieStateStore, or the app's own. */
  readonly store: 'session' | 'cookie' | StateStore;
  /** Legacy: ask for COMPANY. */
  readonly company?: boolean;
  readonly timeout: number;
  readonly codeStore?: CodeStore;
  readonly usedStore?: CodeStore;
  readonly name?: string;
  readonly callbackURL?: string;
  readonly proxy?: boolean;
  readonly now?: () => number;
  /** The verify function, instead of fuzzVerify (which gives back what it was given). */
  readonly verify?: VerifyFunction<{ params: true }>;
}

/** The fake Whop and the keys its ID tokens are signed with. */
export class FuzzWorld {
  nonce: string | undefined;

  private constructor(
    readonly whop: FakeWhop,
    readonly key: TestKey,
    readonly otherKey: TestKey,
  ) {}

  static async start(): Promise<FuzzWorld> {
    const [whop, key, otherKey] = await Promise.all([
      FakeWhop.start(),
      createKey('fuzz-key'),
      createKey('fuzz-other-key'),
    ]);
    return new FuzzWorld(whop, key, otherKey);
  }

  /** What the fake's answers need: this login's nonce, the keys, and where to record tokens. */
  get context(): AnswerContext {
    const { whop } = this;
    return {
      nonce: this.nonce,
      key: this.key,
      otherKey: this.otherKey,
      issue: (token) => (whop.issued.add(token), token),
    };
  }

  /** The fake Whop reset, then answering every login well (in OAuth 2.1 with `oauth21`). */
  answerWell(oauth21: boolean): void {
    const { whop } = this;
    whop.reset();
    whop.responders = {
      token: () => happyToken(this.context, oauth21),
      profile: () => happyProfile(oauth21),
      jwks: () => happyJwks(this.context),
    };
  }

  strategy(setup: StrategySetup): WhopStrategy {
    const name = setup.name ?? 'whop';
    const store =
      setup.store === 'session'
        ? undefined
        : setup.store === 'cookie'
          ? new CookieStateStore({
              secret: COOKIE_SECRET,
              ...(setup.usedStore && { usedStore: setup.usedStore }),
              ...(setup.now && { now: setup.now }),
            })
          : setup.store;
    const common = {
      clientID: 'app_test',
      clientSecret: CLIENT_SECRET,
      callbackURL: setup.callbackURL ?? `https://example.com/auth/${name}/callback`,
      timeout: setup.timeout,
      ...(store && { store }),
      ...(setup.codeStore && { codeStore: setup.codeStore }),
      ...(setup.proxy !== undefined && { proxy: setup.proxy }),
    };
    const strategy =
      setup.flow === 'legacy'
        ? new WhopStrategy(
            {
              ...common,
              ...this.whop.legacyURLs,
              ...(setup.company && { scope: COMPANY }),
            } as WhopStrategyOptions,
            setup.verify ?? fuzzVerify,
          )
        : new WhopStrategy(
            { ...common, flow: 'oauth2.1', ...this.whop.oauth21URLs } as WhopOAuth21Options,
            setup.verify ?? fuzzVerify,
          );
    strategy.name = name;
    return strategy;
  }

  /** A fresh code, as Whop's redirect carries one. */
  code(): string {
    return `${marker()}code`;
  }

  /** Every secret of the exchanges since the fake's last reset, and those given. */
  secrets(...more: string[]): string[] {
    return [CLIENT_SECRET, ...this.whop.secrets(), ...more];
  }

  async close(): Promise<void> {
    await this.whop.close();
  }
}

/** Short, for assertion messages. */
/**
 * A fuzz suite's world and process watch, for the tests of one `describe`: the world started
 * and the watch on before them, both stopped after.
 */
export function fuzzSuite(): { readonly world: FuzzWorld; readonly watch: ProcessWatch } {
  const suite = { watch: new ProcessWatch() } as { world: FuzzWorld; watch: ProcessWatch };
  before(async () => {
    suite.world = await FuzzWorld.start();
    suite.watch.start();
  });
  after(async () => {
    suite.watch.stop();
    await suite.world.close();
  });
  return suite;
}

export function show(value: unknown): string {
  return inspect(value, { depth: 4, maxStringLength: 200, breakLength: Infinity });
}

/**
 * What every ended login must be: a success, a failed login with a message, or an error of a
 * documented type; nothing in it quotes a secret or carries a forged log line.
 */
export function checkOutcome(outcome: Outcome | undefined, secrets: readonly string[]): Outcome {
  if (!outcome) throw new Error('the request ended without passport deciding the login');
  if (outcome.kind === 'error') {
    expect(
      isDocumentedError(outcome.error),
      `an undocumented error: ${show(outcome.error)}`,
    ).to.equal(true);
    assertNoLeak([outcome.error], secrets);
    for (const text of textsOf(outcome.error))
      expect(hasInjection(text), `a forged log line in ${show(text)}`).to.equal(false);
  }
  if (outcome.kind === 'fail') {
    const message = outcome.info?.message;
    expect(message, `a failed login without a message: ${show(outcome.info)}`)
      .to.be.a('string')
      .and.not.equal('');
    assertNoLeak([outcome.info], secrets);
    expect(hasInjection(message as string), `a forged line in ${show(message)}`).to.equal(false);
  }
  return outcome;
}

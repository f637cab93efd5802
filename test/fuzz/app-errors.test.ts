import { expect } from 'chai';
import fc from 'fast-check';
import type { VerifyFunction } from '../../src/index.js';
import { FuzzBrowser, startFuzzApp } from '../support/fuzz-app.js';
import {
  appError,
  appErrorPlan,
  FORMS,
  type AppErrorPlan,
  type SecretName,
} from '../support/fuzz-errors.js';
import { assertNoLeak, assertProperty } from '../support/fuzz.js';
import { CLIENT_SECRET, fuzzSuite, show } from '../support/fuzz-world.js';

// The app's own errors: a verify function that throws, rejects or calls `done` with an error
// (or a string, or a plain object) holding the login's secrets, in any field, at any depth, in
// any form, frozen or from another realm. Whatever it raised, the error that leaves the login
// shows none of them.

const TIMEOUT = 1000;
const DEADLINE = TIMEOUT + 2000;
/** The client's credentials as HTTP Basic authentication encodes them. */
const BASIC = `app_test:${CLIENT_SECRET}`;

const setups = fc.record({
  flow: fc.constantFrom('legacy' as const, 'oauth2.1' as const),
  store: fc.constantFrom('session' as const, 'cookie' as const),
});

/** A verify function that raises the error `plan` makes of the login's secrets. */
function raising(plan: AppErrorPlan, known: { code: string; state: string }) {
  const verify = (
    accessToken: string,
    refreshToken: string | undefined,
    params: { id_token?: unknown },
    _profile: unknown,
    done: (err: unknown) => void,
  ) => {
    const secrets: Record<SecretName, unknown> = {
      ...known,
      access: accessToken,
      refresh: refreshToken,
      id: params.id_token,
      basic: BASIC,
    };
    const text = plan.secrets
      .map((name) => {
        const value = secrets[name];
        if (typeof value !== 'string') return '';
        return name === 'basic' ? FORMS.base64(value) : FORMS[plan.form](value);
      })
      .join(' and ');
    const error = appError(plan, text);
    if (plan.raise === 'throw') throw error;
    if (plan.raise === 'reject') return Promise.reject(error);
    done(error);
    return undefined;
  };
  return verify as unknown as VerifyFunction<{ params: true }>;
}

describe("fuzz: the app's errors", function () {
  this.timeout(120_000);
  const suite = fuzzSuite();

  async function run(
    setup: { flow: 'legacy' | 'oauth2.1'; store: 'session' | 'cookie' },
    plan: AppErrorPlan,
  ) {
    const { world } = suite;
    world.answerWell(setup.flow === 'oauth2.1');
    const known = { code: world.code(), state: '' };
    const strategy = world.strategy({ ...setup, timeout: TIMEOUT, verify: raising(plan, known) });
    const app = await startFuzzApp([strategy], {
      parser: 'simple',
      session: setup.store === 'session',
    });
    try {
      const browser = new FuzzBrowser(app.url);
      const { state, nonce } = await browser.start('/auth/whop', DEADLINE);
      world.nonce = nonce;
      known.state = state!;
      const { id } = await browser.send({
        path: `/auth/whop/callback?code=${known.code}&state=${encodeURIComponent(state!)}`,
        deadlineMs: DEADLINE,
      });
      const outcome = app.seen.get(id)?.outcome;
      expect(outcome?.kind, show(outcome)).to.equal('error');
      assertNoLeak([outcome!.error], world.secrets(known.code, known.state, BASIC));
    } finally {
      await app.close();
      await suite.watch.check();
    }
  }

  it('shows no secret of the login in whatever error the verify function raises', () =>
    assertProperty(fc.asyncProperty(setups, appErrorPlan, run), 60, 3_000));
});

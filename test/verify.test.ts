import { expect } from 'chai';
import type { Request } from 'express';
import {
  WhopStrategy,
  withParams,
  withRequestAndParams,
  type VerifyCallback,
  type WhopStrategyOptions,
} from '../src/index.js';
import { FakeWhop, PROFILE_PATH, TOKEN, TOKEN_PATH } from './support/fake-whop.js';
import { fixture } from './support/fixtures.js';
import { passportApp, type Observation, type PassportAppOptions } from './support/passport-app.js';

const me = fixture('me');

/** What one call of the verify function got. */
interface Call {
  readonly self: unknown;
  readonly args: unknown[];
}

type Verify = (...args: never[]) => unknown;

describe('verify', () => {
  const whop = new FakeWhop();
  let calls: Call[];
  before(() => whop.start());
  after(() => whop.close());
  beforeEach(() => {
    whop.reset();
    calls = [];
  });

  function options(extra: Record<string, unknown> = {}): WhopStrategyOptions {
    return {
      clientID: 'app_test',
      clientSecret: 'secret_test',
      callbackURL: '/callback',
      tokenURL: `${whop.url}${TOKEN_PATH}`,
      userProfileURL: `${whop.url}${PROFILE_PATH}`,
      ...extra,
    } as WhopStrategyOptions;
  }

  /** Records its call and logs in `{ id: 'u' }` through `done` (the last argument). */
  function recorder(this: unknown, ...args: unknown[]) {
    calls.push({ self: this, args });
    (args[args.length - 1] as VerifyCallback)(null, { id: 'u' });
  }

  /** A function with `recorder`'s body and `length` parameters, as a compiler or host leaves it. */
  function ofLength(length: number, body: (...args: unknown[]) => unknown = recorder): Verify {
    const fn = function (this: unknown, ...args: unknown[]) {
      return body.apply(this, args);
    };
    return Object.defineProperty(fn, 'length', { value: length }) as Verify;
  }

  async function login(
    strategy: WhopStrategy,
    start: Record<string, unknown> = {},
    host: Pick<PassportAppOptions, 'session'> = {},
  ) {
    const app = await passportApp(strategy, { start, ...host });
    try {
      const browser = app.browser();
      const { location } = await app.observe(browser, '/login');
      const state = new URL(location!).searchParams.get('state')!;
      return await app.observe(browser, `/callback?code=code_1&state=${state}`);
    } finally {
      await app.close();
    }
  }

  function strategyWith(verify: Verify, extra: Record<string, unknown> = {}): WhopStrategy {
    return new WhopStrategy(options(extra), verify as never);
  }

  /** The names of the arguments of the one call, as the tests spell them. */
  function shape(call: Call | undefined): string[] {
    return (call?.args ?? []).map((arg) => {
      if (arg === TOKEN.access_token) return 'accessToken';
      if (arg === TOKEN.refresh_token) return 'refreshToken';
      if (typeof arg === 'function') return 'done';
      if ((arg as { provider?: string }).provider === 'whop') return 'profile';
      if ((arg as { access_token?: string }).access_token === TOKEN.access_token) return 'params';
      if ((arg as { headers?: unknown }).headers) return 'req';
      return typeof arg;
    });
  }

  const PROFILE_FORM = ['accessToken', 'refreshToken', 'profile', 'done'];
  const PARAMS_FORM = ['accessToken', 'refreshToken', 'params', 'profile', 'done'];

  describe('the arguments (passport-oauth2: exactly 5 parameters, or 6 with req, get params)', () => {
    const cases: [string, number, Record<string, unknown>, string[]][] = [
      ['no parameters', 0, {}, PROFILE_FORM],
      ['three parameters', 3, {}, PROFILE_FORM],
      ['four parameters', 4, {}, PROFILE_FORM],
      ['five parameters', 5, {}, PARAMS_FORM],
      ['six parameters without passReqToCallback', 6, {}, PROFILE_FORM],
      [
        'five parameters with passReqToCallback',
        5,
        { passReqToCallback: true },
        ['req', ...PROFILE_FORM],
      ],
      [
        'six parameters with passReqToCallback',
        6,
        { passReqToCallback: true },
        ['req', ...PARAMS_FORM],
      ],
      [
        'four parameters with passReqToCallback',
        4,
        { passReqToCallback: true },
        ['req', ...PROFILE_FORM],
      ],
      ['passReqToCallback: 1 (truthy)', 6, { passReqToCallback: 1 }, ['req', ...PARAMS_FORM]],
    ];
    for (const [what, length, extra, expected] of cases) {
      it(`${what}: ${expected.join(', ')}`, async () => {
        await login(strategyWith(ofLength(length), extra));
        expect(shape(calls[0])).to.deep.equal(expected);
      });
    }

    it('counts an async function as it counts any other', async () => {
      await login(
        strategyWith(async function (
          this: unknown,
          _a: unknown,
          _r: unknown,
          _p: unknown,
          _q: unknown,
          done: VerifyCallback,
        ) {
          calls.push({ self: this, args: [_a, _r, _p, _q, done] });
          done(null, { id: 'u' });
        }),
      );
      expect(shape(calls[0])).to.deep.equal(PARAMS_FORM);
    });

    it('gives an async function of four parameters the profile form', async () => {
      await login(
        strategyWith(async (...args: unknown[]) => {
          calls.push({ self: undefined, args });
          return { id: 'u' };
        }),
      );
      expect(shape(calls[0])).to.deep.equal(PROFILE_FORM);
    });
  });

  describe("NestJS's callbackArity wrapper (length = validate.length + 1, async)", () => {
    /** What @nestjs/passport's PassportStrategy(Strategy, name, true) hands the strategy. */
    function nest(validate: (...args: never[]) => unknown): Verify {
      const callback = async (...params: unknown[]) => {
        const done = params[params.length - 1] as VerifyCallback;
        try {
          done(null, (await (validate as (...a: unknown[]) => unknown)(...params)) as never);
        } catch (error) {
          done(error as Error);
        }
      };
      return Object.defineProperty(callback, 'length', { value: validate.length + 1 }) as Verify;
    }

    it('gives validate(accessToken, refreshToken, profile) the profile', async () => {
      const outcome = await login(
        strategyWith(nest(async (_a: string, _r: string, profile: { id: string }) => profile)),
      );
      expect((outcome.user as { id: string }).id).to.equal(me.id);
    });

    it('gives validate(accessToken, refreshToken, params, profile) the params', async () => {
      const outcome = await login(
        strategyWith(
          nest(
            async (_a: string, _r: string, params: { scope: string }, profile: { id: string }) => ({
              id: profile.id,
              scope: params.scope,
            }),
          ),
        ),
      );
      expect(outcome.user).to.deep.equal({ id: me.id, scope: TOKEN.scope });
    });

    it('gives validate(req, accessToken, refreshToken, profile) the profile with req', async () => {
      const outcome = await login(
        strategyWith(
          nest(async (req: Request, _a: string, _r: string, profile: { id: string }) => ({
            id: profile.id,
            path: req.path,
          })),
          { passReqToCallback: true },
        ),
      );
      expect(outcome.user).to.deep.equal({ id: me.id, path: '/callback' });
    });
  });

  describe('this', () => {
    it('is the strategy, as Passport hands it to authenticate()', async () => {
      const strategy = strategyWith(ofLength(4));
      await login(strategy);
      expect(Object.getPrototypeOf(calls[0]!.self)).to.equal(strategy);
    });
  });

  describe('withParams', () => {
    it('gives an async function the params, whatever it declares', async () => {
      const outcome = await login(
        strategyWith(
          withParams(async (...args) => {
            calls.push({ self: undefined, args });
            return { id: 'p' };
          }) as Verify,
        ),
      );
      expect(shape(calls[0])).to.deep.equal(PARAMS_FORM.slice(0, 4));
      expect(outcome.user).to.deep.equal({ id: 'p' });
    });

    it('passes this on', async () => {
      const strategy = strategyWith(
        withParams(async function (this: unknown) {
          calls.push({ self: this, args: [] });
          return { id: 'p' };
        }) as Verify,
      );
      await login(strategy);
      expect(Object.getPrototypeOf(calls[0]!.self)).to.equal(strategy);
    });

    it('fails the login when the function resolves nothing', async () => {
      const outcome = await login(strategyWith(withParams(async () => undefined) as Verify));
      expect(outcome.status).to.equal(401);
    });

    it('with req: gives the request and the params', async () => {
      await login(
        strategyWith(
          withRequestAndParams(async (...args) => {
            calls.push({ self: undefined, args });
            return { id: 'p' };
          }) as Verify,
          { passReqToCallback: true },
        ),
      );
      expect(shape(calls[0])).to.deep.equal(['req', ...PARAMS_FORM.slice(0, 4)]);
    });

    it('requires a function', () =>
      expect(() => withParams(undefined as never)).to.throw(
        TypeError,
        'withParams requires a verify function',
      ));
  });

  describe('a returned promise', () => {
    const run = (verify: Verify) => login(strategyWith(verify));

    it('logs in the user it resolves', async () =>
      expect((await run(async () => ({ id: 'r' }))).user).to.deep.equal({ id: 'r' }));
    for (const value of [false, null]) {
      it(`fails the login when it resolves ${value}`, async () =>
        expect((await run(async () => value)).status).to.equal(401));
    }
    it('ends in the error it rejects with', async () => {
      const error = new Error('database down');
      expect((await run(async () => Promise.reject(error))).error).to.equal(error);
    });
    it('ends in an Error when it rejects with something else', async () => {
      const { error } = await run(async () => Promise.reject('down'));
      expect(error).to.be.instanceOf(Error).with.property('message').that.includes('down');
    });
    it('leaves the decision to done when it resolves undefined', async () => {
      const outcome = await run(async (...args: unknown[]) => {
        const done = args[args.length - 1] as VerifyCallback;
        setImmediate(() => done(null, { id: 'late' }));
      });
      expect(outcome.user).to.deep.equal({ id: 'late' });
    });
    it("is ignored once done decided (a callback verify's own promise)", async () => {
      const outcome = await run(function (_a, _r, _p, done: VerifyCallback) {
        return Promise.resolve().then(() => {
          done(null, { id: 'done' });
          return 'OK';
        });
      });
      expect(outcome.user).to.deep.equal({ id: 'done' });
    });
    it('decides before a later done, which is ignored', async () => {
      const outcome = await run(
        async (_a: string, _r: string, _p: unknown, done: VerifyCallback) => {
          setImmediate(() => done(null, { id: 'done' }));
          return { id: 'promise' };
        },
      );
      expect(outcome.user).to.deep.equal({ id: 'promise' });
    });
  });

  describe('done', () => {
    const run = (verify: Verify, start?: Record<string, unknown>) =>
      login(strategyWith(verify), start);

    it('decides once: a second call is ignored', async () => {
      const outcome = await run(
        ofLength(4, (...args) => {
          const done = args[3] as VerifyCallback;
          done(null, { id: 'first' });
          done(new Error('second'));
        }),
      );
      expect(outcome).to.include({ status: 200 }).and.not.have.property('error');
    });
    it('ignores a throw after done', async () => {
      const outcome = await run(
        ofLength(4, (...args) => {
          (args[3] as VerifyCallback)(null, { id: 'first' });
          throw new Error('thrown after done');
        }),
      );
      expect(outcome).to.include({ status: 200 }).and.not.have.property('error');
    });
    describe('when Passport cannot finish the login that a later done decided', () => {
      // passport 0.7 regenerates the session, and cookie-session has no regenerate(): the
      // throw comes out of success(). passport-oauth2 would throw it out of done, into the
      // app's own callback; here it is the request's error, a 500.
      let outcome: Observation;
      beforeEach(async () => {
        const later = ofLength(4, (...args) => {
          setImmediate(() => (args[3] as VerifyCallback)(null, { id: 'later' }));
        });
        outcome = await login(strategyWith(later), {}, { session: 'cookie-session' });
      });
      it('answers 500', () => expect(outcome.status).to.equal(500));
      it("passes Passport's error to next(err)", () =>
        expect(outcome.error)
          .to.be.instanceOf(TypeError)
          .with.property('message')
          .that.matches(/regenerate/));
    });
    it('ends in the error a verify function throws', async () => {
      const error = new Error('verify threw');
      const outcome = await run(
        ofLength(4, () => {
          throw error;
        }),
      );
      expect(outcome.error).to.equal(error);
    });
  });

  describe('info', () => {
    class Info {
      readonly reason = 'invited';
    }
    const verifyWith = (user: unknown, info: unknown) =>
      ofLength(4, (...args) => (args[3] as VerifyCallback)(null, user as never, info as never));

    it('reaches Passport as given when the login fails (a string message)', async () => {
      const outcome = await login(strategyWith(verifyWith(false, 'not invited')));
      expect(outcome).to.include({ status: 401 });
      expect(outcome.messages).to.deep.equal(['not invited']);
    });
    it('is req.authInfo itself, prototype and all', async () => {
      const info = new Info();
      const outcome = await login(strategyWith(verifyWith({ id: 'u' }, info)));
      expect(outcome.authInfo).to.equal(info);
    });
    it("gets the app state added, as passport-oauth2's verified adds it", async () => {
      const info = new Info();
      const outcome: Observation = await login(strategyWith(verifyWith({ id: 'u' }, info)), {
        state: { returnTo: '/x' },
      });
      expect(outcome.authInfo).to.equal(info);
      expect(info).to.have.deep.property('state', { returnTo: '/x' });
    });
    it('stays a string with an app state, as in passport-oauth2 (sloppy mode)', async () => {
      const outcome = await login(strategyWith(verifyWith({ id: 'u' }, 'welcome')), {
        state: { returnTo: '/x' },
      });
      expect(outcome.authInfo).to.equal('welcome');
    });
    it('is {} when none is given', async () => {
      const outcome = await login(strategyWith(verifyWith({ id: 'u' }, undefined)));
      expect(outcome.authInfo).to.deep.equal({});
    });
  });
});

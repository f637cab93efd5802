import { expect } from 'chai';
import nock from 'nock';
import { InternalOAuthError, WhopStrategy, type StateStore } from '../src/index.js';
import { Deadline } from '../src/flow/deadline.js';
import { Browser, startApp, type Outcome, type TestApp } from './support/app.js';
import { rejection } from './support/rejection.js';
import { BASE, me, token, WHOP_API, WHOP_DATA } from './support/whop.js';

const TIMEOUT = 500;
const never = new Promise<never>(() => {});

describe('Deadline', () => {
  describe('run', () => {
    it('settles as the work does, in time', async () => {
      const deadline = new Deadline(TIMEOUT);
      expect(await deadline.run('code', Promise.resolve(true))).to.equal(true);
      deadline.clear();
    });

    it('rejects with the step when time runs out first', async () => {
      const deadline = new Deadline(20);
      const error = await rejection(deadline.run('code', never));
      expect(error)
        .to.be.instanceOf(InternalOAuthError)
        .with.property(
          'message',
          'Failed to record the authorization code, so it was not exchanged: timed out after 20 ms',
        );
    });

    it('refuses to start a step once time is up', async () => {
      const deadline = new Deadline(10);
      await rejection(deadline.run('code', never));
      const error = await rejection(deadline.run('profile', Promise.resolve(1)));
      expect(error).to.equal(deadline.expired);
      expect(deadline.remaining()).to.equal(0);
    });
  });

  describe('remaining', () => {
    it('counts down from the timeout', () => {
      const deadline = new Deadline(TIMEOUT);
      expect(deadline.remaining()).to.be.within(TIMEOUT - 50, TIMEOUT);
      deadline.clear();
    });
  });
});

describe('the login deadline (timeout option)', () => {
  let app: TestApp;
  let outcome: Outcome;
  let elapsed: number;
  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(async () => {
    nock.cleanAll();
    await app.close();
  });
  after(() => nock.enableNetConnect());

  async function login(options: Record<string, unknown> = {}) {
    app = await startApp(
      new WhopStrategy({ ...BASE, timeout: TIMEOUT, ...options }, async () => ({ id: 'u' })),
    );
    const browser = new Browser(app.url);
    const { state } = await browser.startLogin();
    const started = Date.now();
    outcome = await browser.check({ code: 'code_1', ...(state && { state }) });
    elapsed = Date.now() - started;
  }

  describe('on a successful login', () => {
    const LIMIT = 4321;
    let created: unknown[];
    let cleared: unknown[];
    const { setTimeout: realSet, clearTimeout: realClear } = globalThis;
    beforeEach(async () => {
      created = [];
      cleared = [];
      nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
      nock(WHOP_API).get('/api/v5/me').reply(200, me);
      // Count the timers of the login's limit (an unusual number, so no one else's).
      globalThis.setTimeout = ((fn: () => void, ms?: number, ...args: unknown[]) => {
        const timer = (realSet as (...a: unknown[]) => NodeJS.Timeout)(fn, ms, ...args);
        if (ms === LIMIT) created.push(timer);
        return timer;
      }) as typeof setTimeout;
      globalThis.clearTimeout = ((timer?: NodeJS.Timeout) => {
        cleared.push(timer);
        realClear(timer);
      }) as typeof clearTimeout;
      try {
        await login({ timeout: LIMIT });
      } finally {
        globalThis.setTimeout = realSet;
        globalThis.clearTimeout = realClear;
      }
    });

    it('logs in', () => expect(outcome.user).to.deep.equal({ id: 'u' }));
    it('sets one timer for the whole callback', () => expect(created).to.have.length(1));
    it('clears it', () => expect(cleared).to.include(created[0]));
  });

  describe('when the token and the profile each take less than it, but more together', () => {
    beforeEach(async () => {
      nock(WHOP_DATA).post('/api/v3/oauth/token').delay(300).reply(200, token);
      nock(WHOP_API).get('/api/v5/me').delay(300).reply(200, me);
      await login();
    });

    it('ends the login with the step that was running', () =>
      expect(outcome.error).to.deep.include({
        name: 'InternalOAuthError',
        message: `Failed to fetch user profile: timed out after ${TIMEOUT} ms`,
      }));
    it('ends it at the deadline', () => expect(elapsed).to.be.below(TIMEOUT + 150));
  });

  describe('when the code store never settles', () => {
    let tokenRequest: nock.Scope;
    beforeEach(async () => {
      tokenRequest = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
      await login({ codeStore: { claim: () => never } });
    });

    it('ends the login with the code step', () =>
      expect(outcome.error?.message).to.equal(
        `Failed to record the authorization code, so it was not exchanged: timed out after ${TIMEOUT} ms`,
      ));
    it('sends no token request', () => expect(tokenRequest.isDone()).to.equal(false));
  });

  describe('when the code store answers after the deadline', () => {
    let tokenRequest: nock.Scope;
    beforeEach(async () => {
      tokenRequest = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
      const late = () => new Promise<boolean>((resolve) => setTimeout(resolve, TIMEOUT + 50, true));
      await login({ codeStore: { claim: late } });
      await new Promise((resolve) => setTimeout(resolve, 100));
    });

    it('still sends no token request', () => expect(tokenRequest.isDone()).to.equal(false));
  });

  describe('when the state store never calls back', () => {
    let tokenRequest: nock.Scope;
    beforeEach(async () => {
      tokenRequest = nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
      const store = {
        store: (_req: unknown, _meta: unknown, done: (err: null, handle: string) => void) =>
          done(null, 'handle_1'),
        verify: () => {},
      };
      await login({ store: store as unknown as StateStore });
    });

    it('ends the login with the state step', () =>
      expect(outcome.error?.message).to.equal(
        `Failed to check the login state: timed out after ${TIMEOUT} ms`,
      ));
    it('sends no token request', () => expect(tokenRequest.isDone()).to.equal(false));
  });

  describe('when the access check answers after it', () => {
    beforeEach(async () => {
      nock(WHOP_DATA).post('/api/v3/oauth/token').reply(200, token);
      // The profile takes part of the time: an access request limited only by what is left
      // would end earlier, with another message.
      nock(WHOP_API).get('/api/v5/me').delay(100).reply(200, me);
      nock(WHOP_API)
        .get(`/api/v1/users/${me.id}/access/prod_abc`)
        .delay(TIMEOUT * 4)
        .reply(200, { has_access: true, access_level: 'customer' });
      await login({ requireAccess: 'prod_abc' });
    });

    // The access request is limited by what is left of the login's deadline; its own timer and
    // the deadline's end at the same moment, so either may word the error.
    it('ends the login with the access step, within the deadline', () => {
      const match = /^Failed to check the user's access: timed out after (\d+) ms$/.exec(
        String(outcome.error?.message),
      );
      expect(match, String(outcome.error?.message)).to.not.equal(null);
      expect(Number(match![1])).to.be.at.most(TIMEOUT);
    });
  });
});

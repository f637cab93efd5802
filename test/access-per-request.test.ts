import { expect } from 'chai';
import nock from 'nock';
import { WhopStrategy, type WhopProfile } from '../src/index.js';
import { Browser, startApp, type Outcome, type TestApp } from './support/app.js';
import { fixture } from './support/fixtures.js';
import { BASE, token, WHOP_API, whopAnswers } from './support/whop.js';

const USER = 'user_xxxxxxxxxxxxx';
const API_KEY = 'apik_the_apps_secret_key';
const member = fixture('access');
const outsider = { has_access: false, access_level: 'no_access' };
const access = (resource: string, bearer: string) =>
  nock(WHOP_API, { reqheaders: { authorization: `Bearer ${bearer}` } }).get(
    `/api/v1/users/${USER}/access/${resource}`,
  );

describe("WhopStrategy: requireAccess per request (authenticate('whop', { requireAccess }))", () => {
  let app: TestApp | undefined;
  let profiles: WhopProfile[];

  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(async () => {
    nock.cleanAll();
    await app?.close();
    app = undefined;
  });
  after(() => nock.enableNetConnect());

  /** A legacy login whose callback route passes `requireAccess`, with the strategy's `options`. */
  async function login(requireAccess: unknown, options: object = {}): Promise<Outcome> {
    profiles = [];
    const strategy = new WhopStrategy({ ...BASE, ...options }, async (_a, _r, profile) => {
      profiles.push(profile);
      return { id: profile.id };
    });
    app = await startApp(strategy, { callback: { requireAccess } });
    const browser = new Browser(app.url);
    const { state } = await browser.startLogin();
    whopAnswers();
    return browser.check({ code: 'code_1', state: state! });
  }

  describe('for a member of the resource', () => {
    let outcome: Outcome;
    let asked: nock.Scope;
    beforeEach(async () => {
      asked = access('exp_abc', token.access_token as string).reply(200, member);
      outcome = await login('exp_abc');
    });

    it('logs the user in', () => expect(outcome.user).to.deep.equal({ id: USER }));
    it('gives verify the access level', () =>
      expect(profiles[0]!.access).to.deep.equal({ exp_abc: 'customer' }));
    it("asks Whop with the user's token", () => expect(asked.isDone()).to.equal(true));
  });

  describe('for anyone else', () => {
    let outcome: Outcome;
    beforeEach(async () => {
      access('exp_abc', token.access_token as string).reply(200, outsider);
      outcome = await login('exp_abc');
    });

    it('fails with 403', () => expect(outcome.status).to.equal(403));
    it('never calls verify', () => expect(profiles).to.deep.equal([]));
  });

  describe("in place of the strategy's option", () => {
    it("asks about the request's resource only", async () => {
      const asked = access('exp_abc', token.access_token as string).reply(200, member);
      const outcome = await login('exp_abc', { requireAccess: 'prod_other' });
      expect([outcome.user, asked.isDone()]).to.deep.equal([{ id: USER }, true]);
    });
  });

  describe('with the apiKey option', () => {
    it('asks Whop with the key', async () => {
      const asked = access('exp_abc', API_KEY).reply(200, member);
      const outcome = await login('exp_abc', { apiKey: API_KEY });
      expect([outcome.user, asked.isDone()]).to.deep.equal([{ id: USER }, true]);
    });
  });

  describe('with a resource that is not a Whop ID', () => {
    let outcome: Outcome;
    let tokenAsked: boolean;
    beforeEach(async () => {
      outcome = await login('../admin');
      tokenAsked = nock.pendingMocks().length === 0;
    });

    it('fails with 403', () => expect(outcome.status).to.equal(403));
    it('says why', () =>
      expect(outcome.info?.message).to.match(/not a Whop company, product or experience ID/));
    it('does not spend the code', () => expect(tokenAsked).to.equal(false));
  });

  describe('with requireAccess present but undefined', () => {
    it('is a TypeError', async () =>
      expect((await login(undefined)).error?.name).to.equal('TypeError'));
  });
});

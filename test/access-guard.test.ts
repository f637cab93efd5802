// The route guard of docs/access.md, run as written: the block after its `<!-- guard: ... -->`
// comment is written to test-results/ and mounted in an Express app logged in against the mock.
// Both import the built package (npm test builds first), so they share its WhopStrategy class.
import { expect } from 'chai';
import express, { type RequestHandler } from 'express';
import session from 'express-session';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Passport } from 'passport';
import { WhopStrategy } from 'passport-whop';
import { MOCK_USER, startMockWhop, type MockWhop } from 'passport-whop/testing';
import { Browser } from './support/app.js';

const ROOT = resolve(import.meta.dirname, '..');
const PRODUCT_URL = 'https://whop.com/your-product/';
const accessPath = `/api/v1/users/${MOCK_USER.id}/access/prod_guarded`;

type MembersOnly = (
  strategy: WhopStrategy,
  resourceId: string,
  productURL: string,
) => RequestHandler;

/** The guard block of docs/access.md, as a module. */
async function loadGuard(): Promise<MembersOnly> {
  const markdown = readFileSync(join(ROOT, 'docs', 'access.md'), 'utf8');
  const block = /<!-- guard: [^>]*-->\s*```ts\n([\s\S]*?)\n```/.exec(markdown);
  if (!block) throw new Error('docs/access.md has no block after a <!-- guard: ... --> comment');
  const dir = join(ROOT, 'test-results', 'access-guard');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'members-only.ts');
  // Inside the package, `passport-whop` resolves to the built package, as for this test.
  writeFileSync(file, block[1]!);
  return ((await import(pathToFileURL(file).href)) as { membersOnly: MembersOnly }).membersOnly;
}

describe("docs/access.md's route guard", () => {
  let membersOnly: MembersOnly;
  let whop: MockWhop;
  let server: Server;
  let browser: Browser;
  let errors: unknown[];

  before(async () => {
    membersOnly = await loadGuard();
  });

  /** An app with the guard on `/members`, logged in as the mock user. */
  let clock: number;
  async function start(accessMaxAge?: number) {
    clock = Date.now();
    whop = await startMockWhop({ now: () => clock });
    const passport = new Passport();
    passport.serializeUser((user, done) => done(null, user));
    passport.deserializeUser((user: Express.User, done) => done(null, user));
    const app = express();
    app.use(session({ secret: 'guard test', resave: false, saveUninitialized: false }));
    app.use(passport.initialize());
    app.use(passport.session());
    server = app.listen(0, '127.0.0.1');
    await new Promise((ready) => server.once('listening', ready));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const callbackURL = `${base}/auth/whop/callback`;
    const strategy = new WhopStrategy(
      { ...whop.strategyOptions({ callbackURL }), callbackURL, accessMaxAge },
      async (accessToken, _refreshToken, profile) => ({ whopId: profile.id, accessToken }),
    );
    passport.use(strategy);
    app.get('/auth/whop', passport.authenticate('whop'));
    app.get('/auth/whop/callback', passport.authenticate('whop', { successRedirect: '/members' }));
    app.get('/members', membersOnly(strategy, 'prod_guarded', PRODUCT_URL), (_req, res) =>
      res.send('Welcome, member'),
    );
    errors = [];
    app.use(((error, _req, res, _next) => {
      errors.push(error);
      res.status(503).send('Whop cannot say');
    }) as express.ErrorRequestHandler);
    browser = new Browser(base);
    const { location } = await browser.startLogin();
    const back = new URL(await whop.approve(location));
    await browser.get(`${back.pathname}${back.search}`);
  }

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await whop.close();
  });

  describe('for a member', () => {
    let page: Response;
    beforeEach(async () => {
      await start();
      whop.setAccess(MOCK_USER.id, 'prod_guarded', 'customer');
      page = await browser.get('/members');
    });

    it('lets the request through', async () =>
      expect(await page.text()).to.equal('Welcome, member'));
    it('answers the next requests from the cache', async () => {
      await browser.get('/members');
      await browser.get('/members');
      expect(whop.requestCount(accessPath)).to.equal(1);
    });
  });

  describe('for a user without access', () => {
    let page: Response;
    beforeEach(async () => {
      await start();
      page = await browser.get('/members');
    });

    it("sends them to the product's page", () =>
      expect(page.headers.get('location')).to.equal(PRODUCT_URL));
    it('logs them out', async () =>
      expect((await browser.get('/members')).headers.get('location')).to.equal('/auth/whop'));
  });

  describe('when the membership lapses', () => {
    it('closes the page at the next check past accessMaxAge', async () => {
      await start(0);
      whop.setAccess(MOCK_USER.id, 'prod_guarded', 'customer');
      expect((await browser.get('/members')).status).to.equal(200);
      whop.setAccess(MOCK_USER.id, 'prod_guarded', 'no_access');
      expect((await browser.get('/members')).headers.get('location')).to.equal(PRODUCT_URL);
    });
  });

  describe('when the access token has expired', () => {
    let page: Response;
    beforeEach(async () => {
      await start(0);
      whop.setAccess(MOCK_USER.id, 'prod_guarded', 'customer');
      expect((await browser.get('/members')).status).to.equal(200);
      // Past the mock's token lifetime (an hour): Whop answers the check 401.
      clock += 3601 * 1000;
      page = await browser.get('/members');
    });

    it('sends the user to log in again', () =>
      expect(page.headers.get('location')).to.equal('/auth/whop'));
    it('ends the session', async () => {
      const again = await browser.get('/members');
      expect(again.headers.get('location')).to.equal('/auth/whop');
      expect(errors).to.have.length(0);
    });
  });

  describe('when Whop cannot answer', () => {
    let page: Response;
    beforeEach(async () => {
      await start(0);
      await whop.close();
      page = await browser.get('/members');
    });

    it('keeps the page closed', () => expect(page.status).to.equal(503));
    it("hands the error to the app's error handler", () =>
      expect((errors[0] as Error).message).to.match(/^Failed to check the user's access: /));
  });
});

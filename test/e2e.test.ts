// The demo app (examples/express) in a real browser: Debian's Chromium driven by playwright-core,
// against the mock Whop. Skipped when Chromium is missing, except under CI=true.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { MOCK_CLIENT, MOCK_USER, startMockWhop, type MockWhop } from 'passport-whop/testing';
import { createDemoApp } from '../examples/express/app.js';
import { mockEndpoints, type DemoFlow } from '../examples/express/config.js';

// Debian's Chromium; CHROMIUM_PATH points elsewhere (another distribution, or a test of the skip).
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];
const STEP_MS = 15_000;
const SCREENSHOTS = 'test-results';
const TOKEN_PATHS: Record<DemoFlow, string> = {
  legacy: '/api/v3/oauth/token',
  'oauth2.1': '/oauth/token',
};

/** The mock Whop and the demo app, in this process, each on a free loopback port. */
interface Demo {
  readonly whop: MockWhop;
  readonly url: string;
  readonly logged: string[];
  close(): Promise<void>;
}

async function startDemo(flow: DemoFlow): Promise<Demo> {
  const whop = await startMockWhop();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const callbackURL = `${url}/auth/whop/callback`;
  whop.addClient({ ...MOCK_CLIENT, redirectURIs: [callbackURL], name: 'passport-whop demo' });
  const logged: string[] = [];
  server.on(
    'request',
    createDemoApp({
      ...MOCK_CLIENT,
      flow,
      callbackURL,
      endpoints: mockEndpoints(whop, flow),
      sessionSecret: 'e2e session secret',
      mockURL: whop.url,
      log: (line) => logged.push(line),
    }),
  );
  return {
    whop,
    url,
    logged,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await whop.close();
    },
  };
}

describe('the demo app in Chromium (examples/express)', function () {
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === 'true') {
        throw new Error(`Chromium not found at ${CHROMIUM}, and CI=true: install it (apt-get)`);
      }
      console.log('      skipped: Chromium not found');
      return this.skip();
    }
    this.timeout(60_000);
    await mkdir(SCREENSHOTS, { recursive: true });
    // A plain launch runs Chromium on a fresh temporary profile, which close() removes.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      timeout: 30_000,
    });
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
  });

  /** A fresh browser context (no cookies) with bounded waits. */
  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser!.newContext();
    context.setDefaultTimeout(STEP_MS);
    context.setDefaultNavigationTimeout(STEP_MS);
    return { context, page: await context.newPage() };
  }

  for (const flow of ['legacy', 'oauth2.1'] as const) {
    describe(`with flow: '${flow}'`, function () {
      this.timeout(4 * STEP_MS);
      const tokenPath = TOKEN_PATHS[flow];
      let demo: Demo;
      let context: BrowserContext;
      let page: Page;
      let callbackURL: string | undefined;
      const shot = (name: string) =>
        page.screenshot({ path: join(SCREENSHOTS, `e2e-${flow}-${name}.png`), fullPage: true });
      const text = (selector: string) => page.locator(selector).innerText();
      const refreshes = () => demo.whop.requests.filter((r) => r.grantType === 'refresh_token');

      before(async () => {
        demo = await startDemo(flow);
        ({ context, page } = await newPage());
        page.on('request', (request) => {
          if (new URL(request.url()).pathname === '/auth/whop/callback') {
            callbackURL = request.url();
          }
        });
      });

      after(async () => {
        await context?.close();
        await demo?.close();
      });

      describe('when the user logs in and approves', () => {
        before(async () => {
          await page.goto(demo.url);
          await page.getByRole('link', { name: 'Log in with Whop' }).waitFor();
          await shot('home');
          await page.getByRole('link', { name: 'Log in with Whop' }).click();
          await page.getByRole('button', { name: 'Approve' }).waitFor();
          await shot('consent');
          await page.getByRole('button', { name: 'Approve' }).click();
          await page.waitForURL(`${demo.url}/profile`);
          await shot('profile');
        });

        it('shows the mock user’s name', async () => {
          expect(await text('#name')).to.equal(MOCK_USER.name);
        });

        it('shows the username', async () => {
          expect(await text('#username')).to.equal(`@${MOCK_USER.username}`);
        });

        it('shows the email', async () => {
          expect(await text('#email')).to.equal(MOCK_USER.email);
        });

        it('shows the user ID', async () => {
          expect(await text('#user-id')).to.equal(MOCK_USER.id);
        });

        it('shows when the access token expires', async () => {
          expect(await text('#expires-in')).to.match(/expires in 60 min/);
        });

        it('says it uses the mock Whop', async () => {
          expect(await text('.banner')).to.equal(`Using the mock Whop server at ${demo.whop.url}`);
        });

        it('exchanged the code once', () => {
          expect(demo.whop.requestCount(tokenPath, 'authorization_code')).to.equal(1);
        });
      });

      describe('then clicks "Refresh token"', () => {
        let expiryBefore: string | null;
        before(async () => {
          expiryBefore = await page.locator('#expiry').getAttribute('datetime');
          await page.getByRole('button', { name: 'Refresh token' }).click();
          // A notice, or an error: the its below tell them apart.
          await page.locator('.flash').waitFor();
        });

        it('says the token was refreshed, with its new expiry', async () => {
          const expiry = await text('#expiry');
          expect(await text('#notice')).to.equal(`Token refreshed: it expires at ${expiry}.`);
        });

        it('shows an expiry no earlier than before', async () => {
          const expiryAfter = await page.locator('#expiry').getAttribute('datetime');
          expect(Date.parse(expiryAfter!)).to.be.at.least(Date.parse(expiryBefore!));
        });

        it('made one refresh_token grant, which Whop accepted', () => {
          expect(refreshes().map((r) => r.status)).to.deep.equal([200]);
        });
      });

      describe('then clicks "Refresh token" again', () => {
        before(async () => {
          await page.getByRole('button', { name: 'Refresh token' }).click();
          // A notice, or an error: the its below tell them apart.
          await page.locator('.flash').waitFor();
        });

        // The mock rotates refresh tokens: the second refresh works only with the stored new one.
        it('refreshes with the rotated refresh token', () => {
          expect(refreshes().map((r) => r.status)).to.deep.equal([200, 200]);
        });
      });

      describe('then loads the callback URL again', () => {
        before(async () => {
          expect(callbackURL, 'the callback URL the browser loaded').to.be.a('string');
          await page.goto(callbackURL!);
          await page.locator('#notice').waitFor();
          await shot('callback-again');
        });

        it('makes no second token request', () => {
          expect(demo.whop.requestCount(tokenPath, 'authorization_code')).to.equal(1);
        });

        it('explains, and keeps the user logged in', async () => {
          expect(await text('#notice')).to.match(
            /^That sign-in link was not used again: .+ You are still logged in\.$/,
          );
        });

        it('shows the profile', () => {
          expect(new URL(page.url()).pathname).to.equal('/profile');
        });
      });

      describe('then clicks "Log out"', () => {
        before(async () => {
          await page.getByRole('button', { name: 'Log out' }).click();
          await page.waitForURL(`${demo.url}/`);
        });

        it('lands on the home page', async () => {
          expect(await page.getByRole('link', { name: 'Log in with Whop' }).count()).to.equal(1);
        });

        it('says so', async () => {
          expect(await text('#notice')).to.equal('You are logged out.');
        });

        it('keeps the profile to logged-in users', async () => {
          await page.goto(`${demo.url}/profile`);
          expect(new URL(page.url()).pathname).to.equal('/');
        });
      });

      describe('when the user denies', () => {
        let tokenRequests: number;
        before(async () => {
          tokenRequests = demo.whop.requestCount(tokenPath);
          await page.goto(demo.url);
          await page.getByRole('link', { name: 'Log in with Whop' }).click();
          await page.getByRole('button', { name: 'Deny' }).click();
          await page.locator('#error').waitFor();
          await shot('denied');
        });

        it('lands on the home page', () => {
          expect(new URL(page.url()).pathname).to.equal('/');
        });

        it('shows the denial', async () => {
          expect(await text('#error')).to.equal(
            'Login cancelled: The user denied the authorization request.',
          );
        });

        it('makes no token request', () => {
          expect(demo.whop.requestCount(tokenPath)).to.equal(tokenRequests);
        });
      });

      describe('after all of that', () => {
        it('logged no error', () => {
          expect(demo.logged).to.deep.equal([]);
        });
      });
    });
  }
});

// The demo app (examples/express) with WHOP_REQUIRE_ACCESS, against the mock: the member logs in
// and sees the page, the non-member is refused, and a membership that ends logs the user out at
// the next page once the cached answer has expired.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MOCK_CLIENT, MOCK_USER, startMockWhop, type MockWhop } from 'passport-whop/testing';
import { createDemoApp } from '../../examples/express/app.js';
import {
  grantMockAccess,
  MOCK_NON_MEMBER,
  mockEndpoints,
  mockUsers,
} from '../../examples/express/config.js';
import { Browser } from '../support/app.js';

const RESOURCES = ['prod_demo', 'exp_lounge'];
const accessPath = (resource: string) => `/api/v1/users/${MOCK_USER.id}/access/${resource}`;

describe('the demo app with WHOP_REQUIRE_ACCESS (examples/express)', () => {
  let whop: MockWhop;
  let server: Server;
  let browser: Browser;
  let logged: string[];

  async function start(accessMaxAge?: number) {
    whop = await startMockWhop({ users: mockUsers(RESOURCES) });
    grantMockAccess(whop, RESOURCES);
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const callbackURL = `${url}/auth/whop/callback`;
    whop.addClient({ ...MOCK_CLIENT, redirectURIs: [callbackURL] });
    logged = [];
    server.on(
      'request',
      createDemoApp({
        ...MOCK_CLIENT,
        callbackURL,
        requireAccess: RESOURCES,
        accessMaxAge,
        endpoints: mockEndpoints(whop, 'legacy'),
        sessionSecret: 'membership test secret',
        mockURL: whop.url,
        log: (line) => logged.push(line),
      }),
    );
    browser = new Browser(url);
  }
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await whop.close();
  });

  /** Log in as `userID` through the mock's consent; resolves where the callback redirected. */
  async function logIn(userID: string): Promise<string | null> {
    const { location } = await browser.startLogin();
    const back = new URL(await whop.approve(location, { userID }));
    const response = await browser.get(`${back.pathname}${back.search}`);
    return response.headers.get('location');
  }

  describe('for the member', () => {
    let page: string;
    beforeEach(async () => {
      await start();
      expect(await logIn(MOCK_USER.id)).to.equal('/profile');
      page = await (await browser.get('/profile')).text();
    });

    it('shows the profile with the access levels', () => {
      expect(page).to.contain('id="access-prod_demo">customer<');
      expect(page).to.contain('id="access-exp_lounge">customer<');
    });
    it('re-checks from the cache: no request to Whop per page', async () => {
      const before = whop.requestCount(accessPath('prod_demo'));
      await browser.get('/profile');
      await browser.get('/profile');
      expect(whop.requestCount(accessPath('prod_demo'))).to.equal(before);
    });
  });

  describe('for the non-member', () => {
    let home: string;
    beforeEach(async () => {
      await start();
      expect(await logIn(MOCK_NON_MEMBER.id)).to.equal('/?login=failed');
      home = await (await browser.get('/')).text();
    });

    it('says the login is for members, naming the resources', () =>
      expect(home).to.contain(
        'Members only: This Whop account has no access to any of prod_demo, exp_lounge.',
      ));
    it('keeps the profile closed', async () =>
      expect((await browser.get('/profile')).headers.get('location')).to.equal('/'));
  });

  describe('when the membership ends', () => {
    let profile: Response;
    beforeEach(async () => {
      // accessMaxAge: 0, so the next page asks Whop rather than the cache.
      await start(0);
      await logIn(MOCK_USER.id);
      for (const resource of RESOURCES) whop.setAccess(MOCK_USER.id, resource, 'no_access');
      profile = await browser.get('/profile');
    });

    it('sends the user home', () => expect(profile.headers.get('location')).to.equal('/'));
    it('says why', async () =>
      expect(await (await browser.get('/')).text()).to.contain(
        'Your Whop membership has ended, so you are logged out.',
      ));
    it('ends the session', async () =>
      expect((await browser.get('/profile')).headers.get('location')).to.equal('/'));
  });

  describe('when Whop cannot answer the check', () => {
    let profile: Response;
    beforeEach(async () => {
      await start(0);
      await logIn(MOCK_USER.id);
      await whop.close();
      profile = await browser.get('/profile');
    });

    it('keeps the page closed', () => expect(profile.status).to.equal(500));
    it('logs the access error', () => {
      expect(logged.join('\n')).to.match(/Failed to check the user's access/);
    });
  });
});

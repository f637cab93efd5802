import { expect } from 'chai';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from './support/app.js';
import { createApp } from '../examples/hosts/koa.js';
import { MOCK_USER, type MockWhop } from '../src/testing/index.js';
import { logIn, register, settingsFor, startMockWhop } from './support/hosts.js';

const EXPECTED_USER = {
  id: MOCK_USER.id,
  username: MOCK_USER.username,
  displayName: MOCK_USER.name,
};

describe('Koa (koa-passport, koa-session, @koa/router)', () => {
  let whop: MockWhop;
  let server: Server;
  let url: string;
  before(async () => {
    whop = await startMockWhop();
    server = createApp(settingsFor(whop)).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    register(whop, url);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await whop.close();
  });

  describe('the example app (examples/hosts/koa.ts)', () => {
    describe('when the user approves', () => {
      let browser: Browser;
      let callback: Response;
      before(async () => ({ browser, callback } = await logIn(url, whop)));

      it('redirects home from the callback', () =>
        expect([callback.status, callback.headers.get('location')]).to.deep.equal([302, '/']));
      it('keeps the user, with their profile, in the session', async () =>
        expect(await (await browser.get('/')).json()).to.deep.equal({ user: EXPECTED_USER }));
    });

    describe('when the user denies at Whop', () => {
      let browser: Browser;
      let callback: Response;
      before(async () => ({ browser, callback } = await logIn(url, whop, 'deny')));

      it('answers 401', () => expect(callback.status).to.equal(401));
      it('logs nobody in', async () =>
        expect(await (await browser.get('/')).json()).to.deep.equal({ user: null }));
    });
  });
});

import { expect } from 'chai';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { KoaPassport } from 'koa-passport';
import session from 'koa-session';
import { createApp } from '../examples/hosts/koa.js';
import type { MockWhop } from '../src/testing/index.js';
import {
  EXPECTED_USER,
  itLogsTheMockUserIn,
  logIn,
  ReferenceStrategy,
  register,
  settingsFor,
  startMockWhop,
} from './support/hosts.js';

type Done = (err: null, user: object) => void;

/** The example's setup with passport-oauth2's OAuth2Strategy in place of WhopStrategy. */
function referenceApp(whop: MockWhop): Koa {
  const { sessionSecret, ...options } = settingsFor(whop);
  const passport = new KoaPassport();
  const verify = (_a: string, _r: string, profile: typeof EXPECTED_USER, done: Done) =>
    done(null, { id: profile.id, username: profile.username, displayName: profile.displayName });
  passport.use(new ReferenceStrategy({ ...options, state: true }, verify));
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const app = new Koa();
  app.keys = [sessionSecret];
  app.use(session({ sameSite: 'lax' }, app));
  app.use(passport.initialize());
  app.use(passport.session());
  const router = new Router();
  router.get('/auth/whop', passport.authenticate('whop'));
  router.get('/auth/whop/callback', passport.authenticate('whop', { successRedirect: '/' }));
  router.get('/', (ctx) => {
    ctx.body = { user: ctx.state.user ?? null };
  });
  app.use(router.routes());
  return app;
}

/** Serve `app` on a free loopback port, registered with the mock. */
async function serve(app: Koa, whop: MockWhop): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  register(whop, url);
  return { server, url };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('Koa (koa-passport, koa-session, @koa/router)', () => {
  let whop: MockWhop;
  before(async () => {
    whop = await startMockWhop();
  });
  after(() => whop.close());

  describe('the example app (examples/hosts/koa.ts)', () => {
    let server: Server;
    let url: string;
    before(async () => ({ server, url } = await serve(createApp(settingsFor(whop)), whop)));
    after(() => stop(server));

    itLogsTheMockUserIn(() => ({ url, whop }));
  });

  describe("passport-oauth2's OAuth2Strategy in the same setup", () => {
    let server: Server;
    let url: string;
    before(async () => ({ server, url } = await serve(referenceApp(whop), whop)));
    after(() => stop(server));

    it('logs the user in as WhopStrategy does, with a callback path too', async () => {
      const { browser, callback } = await logIn(url, whop);
      expect(callback.status).to.equal(302);
      expect(await (await browser.get('/')).json()).to.deep.equal({ user: EXPECTED_USER });
    });
    it('answers 401 when the user denies at Whop, as WhopStrategy does', async () =>
      expect((await logIn(url, whop, 'deny')).callback.status).to.equal(401));
  });
});

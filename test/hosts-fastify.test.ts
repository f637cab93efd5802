import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Authenticator } from '@fastify/passport';
import fastifySecureSession from '@fastify/secure-session';
import Fastify, { type FastifyInstance } from 'fastify';
import { createApp } from '../examples/hosts/fastify.js';
import type { MockWhop } from '../src/testing/index.js';
import {
  CALLBACK_PATH,
  EXPECTED_USER,
  itLogsTheMockUserIn,
  logIn,
  ReferenceStrategy,
  register,
  settingsFor,
  startMockWhop,
} from './support/hosts.js';

// A key rather than a secret: @fastify/secure-session derives a key from a secret with Argon2,
// which takes seconds by design.
function fastifySettings(whop: MockWhop) {
  const { sessionSecret: _, ...settings } = settingsFor(whop);
  return { ...settings, sessionKey: randomBytes(32) };
}

/** The example's setup with passport-oauth2's OAuth2Strategy; its callback URL set after listen. */
async function referenceApp(whop: MockWhop, callbackURL: (url: string) => string) {
  const { sessionKey, ...options } = fastifySettings(whop);
  const passport = new Authenticator();
  passport.registerUserSerializer(async (user) => user);
  passport.registerUserDeserializer(async (user) => user);
  const app = Fastify();
  await app.register(fastifySecureSession, { key: sessionKey });
  await app.register(passport.initialize());
  await app.register(passport.secureSession());
  app.get('/auth/whop', { preValidation: passport.authenticate('whop') }, async () => {});
  app.get(CALLBACK_PATH, { preValidation: passport.authenticate('whop') }, async (_, reply) =>
    reply.redirect('/'),
  );
  app.get('/', async (request) => ({ user: request.user ?? null }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const verify = (_a: string, _r: string, profile: typeof EXPECTED_USER, done: Done) =>
    done(null, { id: profile.id, username: profile.username, displayName: profile.displayName });
  passport.use(
    'whop',
    new ReferenceStrategy({ ...options, callbackURL: callbackURL(url), state: true }, verify),
  );
  register(whop, url);
  return { app, url };
}
type Done = (err: null, user: object) => void;

describe('Fastify (@fastify/passport, @fastify/secure-session)', () => {
  let whop: MockWhop;
  before(async () => {
    whop = await startMockWhop();
  });
  after(() => whop.close());

  describe('the example app (examples/hosts/fastify.ts)', () => {
    let app: FastifyInstance;
    let url: string;
    before(async () => {
      app = await createApp(fastifySettings(whop));
      url = await app.listen({ port: 0, host: '127.0.0.1' });
      register(whop, url);
    });
    after(() => app.close());

    itLogsTheMockUserIn(() => ({ url, whop }));
  });

  // Fastify's request has no `connection`, which passport-oauth2 reads to resolve a callback path
  // (utils.originalURL); WhopStrategy reads `socket`, which Fastify's request has.
  describe("passport-oauth2's OAuth2Strategy in the same setup", () => {
    describe('with a callback path', () => {
      let app: FastifyInstance;
      let url: string;
      before(async () => ({ app, url } = await referenceApp(whop, () => CALLBACK_PATH)));
      after(() => app.close());

      it('fails the login route with a TypeError on req.connection', async () => {
        const response = await fetch(`${url}/auth/whop`, { redirect: 'manual' });
        expect([response.status, ((await response.json()) as Error).message]).to.deep.equal([
          500,
          "Cannot read properties of undefined (reading 'encrypted')",
        ]);
      });
    });

    describe('with an absolute callback URL', () => {
      let app: FastifyInstance;
      let url: string;
      before(
        async () => ({ app, url } = await referenceApp(whop, (at) => `${at}${CALLBACK_PATH}`)),
      );
      after(() => app.close());

      it('logs the user in as WhopStrategy does', async () => {
        const { browser, callback } = await logIn(url, whop);
        expect(callback.status).to.equal(302);
        expect(await (await browser.get('/')).json()).to.deep.equal({ user: EXPECTED_USER });
      });
    });
  });
});

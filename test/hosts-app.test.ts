// WhopAppStrategy in each host the package supports, through the example apps
// (examples/hosts/*-app.ts), against the mock Whop: a member of the experience gets in, anyone
// else gets 403, a request without a token 401.
import { expect } from 'chai';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp as fastifyApp } from '../examples/hosts/fastify-app.js';
import { createApp as koaApp } from '../examples/hosts/koa-app.js';
import { createApp as nestApp } from '../examples/hosts/nestjs-app.js';
import { MOCK_USER, startMockWhop, type MockWhop } from '../src/testing/index.js';

const MEMBER = 'exp_members';
const OTHER = 'exp_others';

/** Start a host's example on a free loopback port; resolves its URL and how to stop it. */
type Host = (whop: MockWhop) => Promise<{ url: string; close(): Promise<unknown> }>;

const listening = async (server: Server) => {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    });
  return { url, close };
};

const HOSTS: Record<string, Host> = {
  'Fastify (@fastify/passport)': async (whop) => {
    const app = await fastifyApp(whop.appStrategyOptions());
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
  'Koa (koa-passport)': async (whop) =>
    listening(koaApp(whop.appStrategyOptions()).listen(0, '127.0.0.1')),
  'NestJS (@nestjs/passport, PassportStrategy(WhopAppStrategy))': async (whop) => {
    const app = await nestApp(whop.appStrategyOptions());
    await app.listen(0, '127.0.0.1');
    return { url: await app.getUrl(), close: () => app.close() };
  },
};

for (const [name, host] of Object.entries(HOSTS)) {
  describe(`WhopAppStrategy in ${name}`, () => {
    let whop: MockWhop;
    let app: Awaited<ReturnType<Host>>;
    let token: string;
    before(async () => {
      whop = await startMockWhop();
      whop.setAccess(MOCK_USER.id, MEMBER, 'customer');
      app = await host(whop);
      token = await whop.userToken();
    });
    after(async () => {
      await app.close();
      await whop.close();
    });

    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${app.url.replace('[::1]', '127.0.0.1')}${path}`, { headers });

    it('lets a member in, with the user and their level', async () => {
      const response = await get(`/experiences/${MEMBER}`, { 'x-whop-user-token': token });
      expect(await response.json()).to.deep.equal({
        user: { id: MOCK_USER.id, access: { [MEMBER]: 'customer' } },
      });
    });
    it('reads the whop_user_token cookie of the dev proxy', async () => {
      const response = await get(`/experiences/${MEMBER}`, { cookie: `whop_user_token=${token}` });
      expect(response.status).to.equal(200);
    });
    it('answers 403 to a user without access', async () =>
      expect((await get(`/experiences/${OTHER}`, { 'x-whop-user-token': token })).status).to.equal(
        403,
      ));
    it('answers 401 without a token', async () =>
      expect((await get(`/experiences/${MEMBER}`)).status).to.equal(401));
    it('answers 401 to an expired token', async () => {
      const expired = await whop.userToken({ expiresIn: -5 });
      expect(
        (await get(`/experiences/${MEMBER}`, { 'x-whop-user-token': expired })).status,
      ).to.equal(401);
    });
  });
}

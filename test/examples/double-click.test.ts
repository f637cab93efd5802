// The demo app (examples/express) when the callback comes twice with one code at once, as a double
// click sends it: one logs in, the other fails, and the page the browser shows says why, though
// the login replaced the session that held the failure's message.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MOCK_CLIENT, startMockWhop, type MockWhop } from 'passport-whop/testing';
import { createDemoApp } from '../../examples/express/app.js';
import { mockEndpoints } from '../../examples/express/config.js';

const cookieOf = (response: Response) => response.headers.get('set-cookie')?.split(';')[0];

describe('the demo app, when the callback comes twice at once (examples/express)', () => {
  let whop: MockWhop;
  let server: Server;
  let base: string;
  let callbacks: Response[];
  let cookie: string;

  beforeEach(async () => {
    whop = await startMockWhop();
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const callbackURL = `${base}/auth/whop/callback`;
    whop.addClient({ ...MOCK_CLIENT, redirectURIs: [callbackURL] });
    server.on(
      'request',
      createDemoApp({
        ...MOCK_CLIENT,
        callbackURL,
        endpoints: mockEndpoints(whop, 'legacy'),
        sessionSecret: 'double click test secret',
        mockURL: whop.url,
        log: () => undefined,
      }),
    );
    const start = await fetch(`${base}/auth/whop`, { redirect: 'manual' });
    cookie = cookieOf(start)!;
    const back = await whop.approve(start.headers.get('location')!);
    callbacks = await Promise.all(
      [back, back].map((url) => fetch(url, { headers: { cookie }, redirect: 'manual' })),
    );
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await whop.close();
  });

  const locations = () => callbacks.map((response) => response.headers.get('location')).sort();

  it('logs in once and fails the other', () =>
    expect(locations()).to.deep.equal(['/?login=failed', '/profile']));

  it('tells the browser that kept its old cookie why', async () => {
    const page = await (await fetch(`${base}/?login=failed`, { headers: { cookie } })).text();
    expect(page).to.match(/id="error"[^>]*>[^<]*(double click|already used)/);
  });
});

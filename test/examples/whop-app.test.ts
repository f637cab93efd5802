// The example Whop app (examples/whop-app) against the mock: in-process through start(), and as
// `npm run demo:app` runs it, in its own process.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { MOCK_USER } from 'passport-whop/testing';
import { MEMBER_EXPERIENCE, OTHER_EXPERIENCE, start } from '../../examples/whop-app/start.js';

type Started = Awaited<ReturnType<typeof start>>;

describe('the example Whop app (examples/whop-app)', () => {
  let app: Started;
  let token: string;
  before(async () => {
    app = await start({}, 0);
    token = await app.mock!.userToken();
  });
  after(() => app.stop());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, { headers, redirect: 'manual' });

  describe("a member's request, with Whop's header", () => {
    let response: Response;
    let html: string;
    before(async () => {
      response = await get(`/experiences/${MEMBER_EXPERIENCE}`, { 'x-whop-user-token': token });
      html = await response.text();
    });

    it('answers 200', () => expect(response.status).to.equal(200));
    it('shows the user and their level', () =>
      expect(html).to.include(MOCK_USER.id).and.to.include('(customer)'));
  });

  describe("the app's API on the same origin", () => {
    it('answers the user as JSON', async () => {
      const response = await get(`/api/experiences/${MEMBER_EXPERIENCE}/me`, {
        'x-whop-user-token': token,
      });
      expect(await response.json()).to.deep.equal({
        id: MOCK_USER.id,
        access: { [MEMBER_EXPERIENCE]: 'customer' },
      });
    });
  });

  describe('a request for an experience the user is not a member of', () => {
    it('answers 403, members only', async () => {
      const response = await get(`/experiences/${OTHER_EXPERIENCE}`, {
        'x-whop-user-token': token,
      });
      expect([response.status, await response.text()]).to.satisfy(
        ([status, html]: [number, string]) => status === 403 && html.includes('Members only'),
      );
    });
  });

  describe('a request from outside Whop (no token)', () => {
    it('answers 401, open inside Whop', async () => {
      const response = await get(`/experiences/${MEMBER_EXPERIENCE}`);
      expect([
        response.status,
        (await response.text()).includes('Open this app inside Whop'),
      ]).to.deep.equal([401, true]);
    });
  });

  describe("the dev route, as Whop's dev proxy", () => {
    it('sets the whop_user_token cookie, which opens the page', async () => {
      const opened = await get(`/dev/open/${MEMBER_EXPERIENCE}`);
      const cookie = opened.headers.getSetCookie()[0]!.split(';')[0]!;
      const page = await get(opened.headers.get('location')!, { cookie });
      expect([opened.status, cookie.startsWith('whop_user_token='), page.status]).to.deep.equal([
        302,
        true,
        200,
      ]);
    });
  });

  describe('npm run demo:app', function () {
    this.timeout(60_000);
    let child: ChildProcess;
    let output = '';
    before(async () => {
      child = spawn('npm', ['run', '--silent', 'demo:app'], {
        env: { ...process.env, PORT: '0', WHOP_APP_ID: '', WHOP_API_KEY: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', () => output.includes('not a member') && resolve());
        child.once('exit', () => reject(new Error(`demo:app exited: ${output}`)));
      });
    });
    after(() => {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    });

    it("opens a member's page through the dev route", async () => {
      const open = /Open (http:\/\/localhost:\d+\/dev\/open\/\w+)/.exec(output)![1]!;
      const opened = await fetch(open, { redirect: 'manual' });
      const cookie = opened.headers.getSetCookie()[0]!.split(';')[0]!;
      const page = await fetch(new URL(opened.headers.get('location')!, open), {
        headers: { cookie },
      });
      expect([page.status, (await page.text()).includes(MOCK_USER.id)]).to.deep.equal([200, true]);
    });
  });
});

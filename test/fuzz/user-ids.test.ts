import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import fc from 'fast-check';
import { checkAccess, InternalOAuthError, WhopStrategy } from '../../src/index.js';
import { Browser, startApp } from '../support/app.js';
import { assertProperty, ProcessWatch } from '../support/fuzz.js';

const USER_ID = /^user_\w+$/;
const RULE = 'user_ followed by letters, digits and underscores';

/** What a user ID may be: anything (lone surrogates too), near misses, and real ones. */
const userId = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.constantFrom(
    '.',
    '..',
    '/',
    'user_',
    'user_.',
    'user_..',
    'user_a/../b',
    'user_%2e%2e',
    'user_a\ud800',
    '\udfff',
    'user_a b',
    'user_a?b',
    'user_a#b',
    'user_é',
  ),
  fc.stringMatching(/^user_\w{1,12}$/),
);

/**
 * Whop's token, profile and access endpoints on one loopback server: every access request's raw
 * path is recorded, the profile names `profileId`.
 */
class LittleWhop {
  readonly accessPaths: string[] = [];
  profileId = 'user_1';
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = req.url ?? '';
      req.resume();
      const json = (body: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (path === '/token') return void json({ access_token: 'at_fuzz', token_type: 'bearer' });
      if (path === '/me') return void json({ id: this.profileId, username: 'fuzz' });
      if (path.startsWith('/api/v1/users/')) {
        this.accessPaths.push(path);
        return void json({ has_access: true, access_level: 'customer' });
      }
      res.writeHead(404).end();
      return undefined;
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('fuzz: user IDs on their way to the access check', function () {
  this.timeout(120_000);
  const watch = new ProcessWatch();
  const whop = new LittleWhop();
  let strategy: WhopStrategy;
  let logins = 0;
  before(async () => {
    await whop.start();
    watch.start();
    strategy = new WhopStrategy(
      {
        clientID: 'app_test',
        clientSecret: 'secret_test',
        callbackURL: 'https://example.com/auth/whop/callback',
        state: false,
        tokenURL: `${whop.url}/token`,
        userProfileURL: `${whop.url}/me`,
        apiURL: `${whop.url}/api/v1`,
        requireAccess: 'prod_abc',
        accessMaxAge: 0,
      },
      async (_a, _r, profile) => ({ id: profile.id }),
    );
  });
  after(async () => {
    watch.stop();
    await whop.close();
  });
  afterEach(() => watch.check());

  it('checkAccess asks about a Whop user ID as it is, and rejects anything else with a TypeError', () =>
    assertProperty(
      fc.asyncProperty(userId, async (id) => {
        whop.accessPaths.length = 0;
        const outcome = await checkAccess(strategy, {
          accessToken: 'at_fuzz',
          userId: id,
          resourceId: 'prod_abc',
        }).then(
          (answer) => ({ answer }),
          (error: unknown) => ({ error }),
        );
        if (USER_ID.test(id)) {
          expect(outcome).to.deep.equal({ answer: { hasAccess: true, accessLevel: 'customer' } });
          expect(whop.accessPaths).to.deep.equal([`/api/v1/users/${id}/access/prod_abc`]);
        } else {
          expect('error' in outcome && outcome.error).to.be.instanceOf(TypeError);
          expect((outcome as { error: Error }).error.message).to.equal(
            `checkAccess requires a userId: the user's Whop ID (${RULE})`,
          );
          expect(whop.accessPaths).to.deep.equal([]);
        }
      }),
      100,
      2_000,
    ));

  it("a login asks about the profile's user ID only when it is a Whop user ID, and fails otherwise", () =>
    assertProperty(
      fc.asyncProperty(userId, async (id) => {
        whop.accessPaths.length = 0;
        whop.profileId = id;
        const app = await startApp(strategy);
        try {
          const outcome = await new Browser(app.url).check({ code: `code_fuzz_${(logins += 1)}` });
          if (USER_ID.test(id)) {
            expect(outcome.user, JSON.stringify(outcome)).to.deep.equal({ id });
            expect(whop.accessPaths).to.deep.equal([`/api/v1/users/${id}/access/prod_abc`]);
          } else if (id !== '') {
            expect(outcome.error, JSON.stringify(outcome)).to.deep.include({
              name: InternalOAuthError.name,
              message: `Failed to check the user's access: the user ID Whop gave is not a Whop user ID (${RULE})`,
            });
            expect(whop.accessPaths).to.deep.equal([]);
          } else {
            // An empty ID is no profile at all: the profile step fails first.
            expect(outcome.error?.message, JSON.stringify(outcome)).to.match(/^Failed to fetch/);
          }
        } finally {
          await app.close();
        }
      }),
      40,
      3_000,
    ));
});

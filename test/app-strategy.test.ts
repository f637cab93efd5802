import { expect } from 'chai';
import { Agent } from 'node:http';
import { inspect } from 'node:util';
import { WhopAppStrategy, type WhopAppUser } from '../src/index.js';
import { createKey, type TestKey } from './support/id-tokens.js';
import { runStrategy, type Ending } from './support/run-strategy.js';
import {
  APP_ID,
  signUserToken,
  startKeyServer,
  USER_ID,
  type KeyServer,
} from './support/user-tokens.js';

const verifyNothing = () => undefined;

describe('WhopAppStrategy', () => {
  describe('options', () => {
    const make =
      (options: Record<string, unknown>, verify: unknown = verifyNothing) =>
      () =>
        new WhopAppStrategy(options as never, verify as never);

    it("is named 'whop-app'", () => expect(make({ appId: APP_ID })().name).to.equal('whop-app'));
    it('requires an options object', () =>
      expect(make(null as never)).to.throw(
        TypeError,
        'WhopAppStrategy requires an options object',
      ));
    it('requires a verify function', () =>
      expect(make({ appId: APP_ID }, 'nope')).to.throw(
        TypeError,
        'WhopAppStrategy requires a verify function',
      ));
    it('requires appId', () =>
      expect(make({})).to.throw(TypeError, 'WhopAppStrategy requires an appId option'));
    it('requires appId to be an app_ ID', () =>
      expect(make({ appId: 'biz_123' })).to.throw(TypeError, /appId option: .*app_ followed by/));
    it('requires jwksURL to be an http(s) URL', () =>
      expect(make({ appId: APP_ID, jwksURL: 'ftp://x' })).to.throw(
        TypeError,
        'WhopAppStrategy requires the jwksURL option to be an absolute http(s) URL',
      ));
    it('requires issuer to be a non-empty string', () =>
      expect(make({ appId: APP_ID, issuer: '' })).to.throw(
        TypeError,
        'WhopAppStrategy requires the issuer option to be a non-empty string',
      ));
    it('requires headerName to be a header name', () =>
      expect(make({ appId: APP_ID, headerName: 'x token' })).to.throw(
        TypeError,
        'WhopAppStrategy requires the headerName option to be a header name',
      ));
    it('requires cookieName to be a cookie name', () =>
      expect(make({ appId: APP_ID, cookieName: 'a;b' })).to.throw(
        TypeError,
        'WhopAppStrategy requires the cookieName option to be a cookie name',
      ));
    it('requires apiKey to be a non-empty string', () =>
      expect(make({ appId: APP_ID, apiKey: ' ' })).to.throw(
        TypeError,
        "WhopAppStrategy requires the apiKey option to be the app's API key",
      ));
    it('requires apiURL to be an http(s) URL', () =>
      expect(make({ appId: APP_ID, apiURL: 'nope' })).to.throw(
        TypeError,
        'WhopAppStrategy requires the apiURL option to be an absolute http(s) URL',
      ));
    it('requires apiURL without a query', () =>
      expect(make({ appId: APP_ID, apiURL: 'https://x.test/api?a=1' })).to.throw(
        TypeError,
        'WhopAppStrategy requires the apiURL option to be a URL without a query or a fragment',
      ));
    it('requires timeout to be positive', () =>
      expect(make({ appId: APP_ID, timeout: 0 })).to.throw(
        TypeError,
        'WhopAppStrategy requires the timeout option to be a positive number of milliseconds',
      ));
    it('requires agent to be an Agent', () =>
      expect(make({ appId: APP_ID, agent: {} })).to.throw(
        TypeError,
        'WhopAppStrategy requires the agent option to be an http.Agent or https.Agent',
      ));
    it('takes an Agent', () => expect(make({ appId: APP_ID, agent: new Agent() })).not.to.throw());
  });

  describe('on plain Node requests', () => {
    let key: TestKey;
    let keys: KeyServer;
    let token: string;
    let strategy: WhopAppStrategy;
    let seen: unknown[][];
    before(async () => {
      key = await createKey('whop-1');
      keys = await startKeyServer(key);
      token = await signUserToken(key);
    });
    after(() => keys.close());
    beforeEach(() => {
      seen = [];
      strategy = new WhopAppStrategy({ appId: APP_ID, jwksURL: keys.jwksURL }, (user, done) => {
        seen.push([user]);
        done(null, { id: user.userId });
      });
    });

    const userOf = (ending: Ending) => (ending.kind === 'success' ? ending.user : ending);

    it('reads the header as a string', async () =>
      expect(
        userOf(await runStrategy(strategy, { headers: { 'x-whop-user-token': token } })),
      ).to.deep.equal({ id: USER_ID }));
    it('reads the header as a one-value list', async () =>
      expect(
        userOf(await runStrategy(strategy, { headers: { 'x-whop-user-token': [token] } })),
      ).to.deep.equal({ id: USER_ID }));
    it('refuses two different values of the header', async () =>
      expect(
        await runStrategy(strategy, { headers: { 'x-whop-user-token': [token, `${token}x`] } }),
      ).to.deep.include({ kind: 'fail', status: 401 }));
    it('reads the whop_user_token cookie when the header is absent', async () =>
      expect(
        userOf(
          await runStrategy(strategy, {
            headers: { cookie: `theme=dark; whop_user_token=${token}; other=1` },
          }),
        ),
      ).to.deep.equal({ id: USER_ID }));
    it("reads a cookie parser's req.cookies", async () =>
      expect(
        userOf(await runStrategy(strategy, { headers: {}, cookies: { whop_user_token: token } })),
      ).to.deep.equal({ id: USER_ID }));
    it('prefers the header to the cookie', async () => {
      const ending = await runStrategy(strategy, {
        headers: { 'x-whop-user-token': token, cookie: 'whop_user_token=garbage' },
      });
      expect(ending.kind).to.equal('success');
    });
    it('reads a header named by headerName, in any case', async () => {
      const custom = new WhopAppStrategy(
        { appId: APP_ID, jwksURL: keys.jwksURL, headerName: 'X-User-Token' },
        (user, done) => done(null, user),
      );
      const ending = await runStrategy(custom, { headers: { 'x-user-token': token } });
      expect(ending.kind).to.equal('success');
    });
    it('fails a request without headers with 401', async () =>
      expect(await runStrategy(strategy, {})).to.deep.include({ kind: 'fail', status: 401 }));
    it('gives verify the user: userId, appId and the claims', async () => {
      await runStrategy(strategy, { headers: { 'x-whop-user-token': token } });
      const [[user]] = seen as [[WhopAppUser]];
      expect([user.userId, user.appId, user.claims.iss, user.claims.sub]).to.deep.equal([
        USER_ID,
        APP_ID,
        'urn:whopcom:exp-proxy',
        USER_ID,
      ]);
    });
  });

  describe('the verify forms', () => {
    let key: TestKey;
    let keys: KeyServer;
    let token: string;
    before(async () => {
      key = await createKey('whop-1');
      keys = await startKeyServer(key);
      token = await signUserToken(key);
    });
    after(() => keys.close());

    const run = (verify: unknown, extra: Record<string, unknown> = {}) => {
      const options = { appId: APP_ID, jwksURL: keys.jwksURL, ...extra };
      const strategy = new WhopAppStrategy(options as never, verify as never);
      return runStrategy(strategy, { headers: { 'x-whop-user-token': token }, marker: 'req' });
    };

    it('done(null, user) lets the request in', async () =>
      expect(
        await run((u: WhopAppUser, done: (e: null, u: object) => void) =>
          done(null, { id: u.userId }),
        ),
      ).to.deep.include({ kind: 'success', user: { id: USER_ID } }));
    it('an async verify that resolves the user lets it in', async () =>
      expect(await run(async (u: WhopAppUser) => ({ id: u.userId }))).to.deep.include({
        kind: 'success',
        user: { id: USER_ID },
      }));
    it('an async verify that resolves false fails with 401', async () =>
      expect(await run(async () => false)).to.deep.include({ kind: 'fail' }));
    it('done(null, false, info) fails with that info', async () =>
      expect(
        await run((_u: WhopAppUser, done: (e: null, u: false, i: object) => void) =>
          done(null, false, { message: 'banned' }),
        ),
      ).to.deep.include({ kind: 'fail', challenge: { message: 'banned' } }));
    it('passReqToCallback gives verify the request first', async () => {
      const ending = await run(
        async (req: { marker: string }, u: WhopAppUser) => ({ id: u.userId, req: req.marker }),
        { passReqToCallback: true },
      );
      expect(ending).to.deep.include({ kind: 'success', user: { id: USER_ID, req: 'req' } });
    });
    it('the first of done and the promise decides', async () => {
      const ending = await run(async (u: WhopAppUser, done: (e: null, u: object) => void) => {
        done(null, { first: true });
        return { id: u.userId };
      });
      expect(ending).to.deep.include({ kind: 'success', user: { first: true } });
    });
    it('a rejection is an error, without the token', async () => {
      const ending = await run(async () => {
        throw new Error(`no user for ${token}`);
      });
      expect(ending.kind).to.equal('error');
      expect(inspect((ending as { error: Error }).error)).not.to.include(token);
    });
    it('a throw is an error, without the token', async () => {
      const ending = await run(() => {
        throw new Error(`no user for ${token}`);
      });
      expect(ending.kind).to.equal('error');
      expect(inspect((ending as { error: Error }).error)).not.to.include(token);
    });
  });
});

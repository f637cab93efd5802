import { Agent as HttpAgent, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import nock from 'nock';
import { InternalOAuthError } from '../src/index.js';
import { stringify } from 'node:querystring';
import fc from 'fast-check';
import { isSuccess, MAX_BODY_BYTES, send, strategySettings } from '../src/whop/http.js';
import { encodeForm } from '../src/whop/request-format.js';
import { requestToken } from '../src/whop/token-request.js';

const settings = { timeout: 1000 };

describe('http', () => {
  before(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  describe('send', () => {
    describe('with a form', () => {
      let scope: nock.Scope;
      beforeEach(async () => {
        scope = nock('https://whop.test', {
          reqheaders: {
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
        })
          .post('/token', 'a=1&b=two%20words')
          .reply(200, { ok: true });
        await send(
          {
            step: 'token',
            url: 'https://whop.test/token',
            form: { a: '1', b: 'two words', c: undefined },
          },
          settings,
        );
      });

      it('POSTs it url-encoded, leaving out undefined fields', () =>
        expect(scope.isDone()).to.equal(true));
    });

    describe('with a bearer token', () => {
      it('sends it in the Authorization header and not in the URL', async () => {
        const scope = nock('https://whop.test', { reqheaders: { authorization: 'Bearer tok_1' } })
          .get('/me')
          .reply(200, {});
        await send({ step: 'profile', url: 'https://whop.test/me', bearer: 'tok_1' }, settings);
        expect(scope.isDone()).to.equal(true);
      });
    });

    describe('the headers on the wire', () => {
      let server: Server;
      let base: string;
      let received: string[];
      before(async () => {
        server = createServer((req, res) => {
          received = req.rawHeaders;
          req.resume();
          req.on('end', () => res.end('{}'));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      });
      after(() => new Promise<void>((resolve) => server.close(() => resolve())));

      /** Each header name (lowercased) with its values, in the order sent. */
      function sent(): Record<string, string[]> {
        const byName: Record<string, string[]> = {};
        for (let i = 0; i < received.length; i += 2) {
          (byName[received[i]!.toLowerCase()] ??= []).push(received[i + 1]!);
        }
        return byName;
      }

      it('names the host and port, asks for JSON and sends the form once', async () => {
        await send({ step: 'token', url: `${base}/token`, form: { a: '1' } }, settings);
        expect(sent()).to.deep.include({
          host: [base.slice('http://'.length)],
          accept: ['application/json'],
          'content-type': ['application/x-www-form-urlencoded'],
          'content-length': ['3'],
        });
      });

      it("adds the request's own headers, which may replace Accept but not the token", async () => {
        await send(
          {
            step: 'profile',
            url: `${base}/me`,
            bearer: 'tok_1',
            headers: { 'X-App': 'demo', Accept: 'application/vnd.whop+json', Authorization: 'x' },
          },
          settings,
        );
        expect(sent()).to.deep.include({
          'x-app': ['demo'],
          accept: ['application/vnd.whop+json'],
          authorization: ['Bearer tok_1'],
        });
      });

      it("keeps the request's own Content-Type off a form", async () => {
        await send(
          {
            step: 'token',
            url: `${base}/token`,
            form: { a: '1' },
            headers: { 'Content-Type': 'text/plain' },
          },
          settings,
        );
        expect(sent()['content-type']).to.deep.equal(['application/x-www-form-urlencoded']);
      });
    });

    describe('when Retry-After is an HTTP date', () => {
      it('turns it into seconds', async () => {
        const date = new Date(Date.now() + 30_000).toUTCString();
        nock('https://whop.test').get('/me').reply(429, {}, { 'Retry-After': date });
        const response = await send({ step: 'profile', url: 'https://whop.test/me' }, settings);
        expect(response.retryAfter).to.be.within(28, 31);
      });
    });

    describe('when the declared length is over the cap', () => {
      it('refuses without reading', async () => {
        nock('https://whop.test')
          .get('/me')
          .reply(200, 'x', { 'Content-Length': String(MAX_BODY_BYTES + 1) });
        const error = await send({ step: 'profile', url: 'https://whop.test/me' }, settings).catch(
          (e: Error) => e,
        );
        expect(error)
          .to.be.instanceOf(InternalOAuthError)
          .with.property(
            'message',
            'Failed to fetch user profile: the response is larger than 1048576 bytes',
          );
      });
    });

    describe('when the body stalls after the headers', () => {
      let server: Server;
      let url: string;
      before(async () => {
        server = createServer((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"access_token":');
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      });
      after(() => {
        server.closeAllConnections();
        server.close();
      });

      it('still gives up at the timeout', async () => {
        const error = await send({ step: 'token', url }, { timeout: 100 }).catch((e: Error) => e);
        expect(error).to.have.property(
          'message',
          'Failed to obtain access token: timed out after 100 ms',
        );
      });
    });

    describe('with an agent', () => {
      let server: Server;
      let agent: HttpAgent;
      let body: string;
      before(async () => {
        server = createServer((_req, res) => res.end('{"id":"user_1"}'));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        agent = new HttpAgent({ keepAlive: true });
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/me`;
        // nock patches node:http; take the request past it to see the agent used.
        nock.restore();
        try {
          body = (await send({ step: 'profile', url }, { timeout: 1000, agent })).text;
        } finally {
          nock.activate();
        }
      });
      after(() => {
        agent.destroy();
        server.closeAllConnections();
        server.close();
      });

      it('sends the request through it (its socket is kept alive in it)', () =>
        expect(Object.values(agent.freeSockets).flat()).to.have.length(1));
      it('reads the answer', () => expect(body).to.equal('{"id":"user_1"}'));
    });
  });

  describe('isSuccess', () => {
    const statuses: [number, boolean][] = [
      [199, false],
      [200, true],
      [204, true],
      [299, true],
      [300, false],
      [302, false],
      [399, false],
      [400, false],
    ];
    for (const [status, success] of statuses) {
      it(`counts HTTP ${status} as ${success ? 'a success' : 'a failure'}`, () =>
        expect(isSuccess({ status, text: '', retryAfter: undefined })).to.equal(success));
    }

    it('makes a token answer that redirects an error, whatever its body', async () => {
      nock('https://whop.test')
        .post('/token')
        .reply(302, { access_token: 'at_1' }, { location: 'https://elsewhere.test/' });
      const error = await requestToken(
        'token',
        'https://whop.test/token',
        { code: 'c' },
        settings,
      ).catch((e: Error) => e);
      expect(error).to.be.instanceOf(InternalOAuthError);
    });
  });

  describe('requestToken', () => {
    it('turns an OAuth error inside a 200 into a TokenError, with status 500 rather than 200', async () => {
      nock('https://whop.test')
        .post('/token')
        .reply(200, { error: 'invalid_grant', error_description: 'used' });
      const error = await requestToken(
        'token',
        'https://whop.test/token',
        { code: 'c' },
        settings,
      ).catch((e: Error) => e);
      expect(error).to.include({
        name: 'TokenError',
        code: 'invalid_grant',
        message: 'used',
        status: 500,
      });
    });

    it('refuses a JSON answer that is not an object', async () => {
      nock('https://whop.test').post('/token').reply(200, '[1]');
      const error = await requestToken(
        'token',
        'https://whop.test/token',
        { code: 'c' },
        settings,
      ).catch((e: Error) => e);
      expect(error).to.have.property(
        'message',
        'Failed to obtain access token: the response is not a JSON object',
      );
    });

    for (const [what, value] of [
      ['CR/LF', 'at_1\r\nX-Evil: 1'],
      ['NUL', 'at_1\u0000'],
      ['non-ASCII', 'at_é'],
      ['a space', 'at 1'],
    ]) {
      it(`refuses an access_token with ${what}, naming the step`, async () => {
        nock('https://whop.test').post('/token').reply(200, { access_token: value });
        const error = await requestToken(
          'token',
          'https://whop.test/token',
          { code: 'code_1' },
          settings,
        ).catch((e: Error) => e);
        expect(error)
          .to.be.instanceOf(InternalOAuthError)
          .with.property(
            'message',
            'Failed to obtain access token: the access_token has characters a header cannot carry',
          );
      });
    }

    it('refuses a TokenError without a description with a message naming the code', async () => {
      nock('https://whop.test').post('/token').reply(400, { error: '' });
      const error = await requestToken('token', 'https://whop.test/token', {}, settings).catch(
        (e: Error) => e,
      );
      expect(error).to.include({
        name: 'TokenError',
        code: 'invalid_request',
        message: 'Whop answered HTTP 400 with error invalid_request and no description',
      });
    });
  });

  describe('send, with a request Node refuses to send', () => {
    for (const [what, request] of [
      ['a bearer token with CR/LF', { bearer: 'at\r\nX: 1' }],
      ['a form value with a lone surrogate', { form: { code: 'c\uD800' } }],
      ['a header with NUL', { headers: { 'x-app': 'a\u0000' } }],
    ] as const) {
      it(`rejects ${what} with an InternalOAuthError naming the step`, async () => {
        const error = await send(
          { step: 'profile', url: 'https://whop.test/me', ...request },
          settings,
        ).catch((e: Error) => e);
        expect(error)
          .to.be.instanceOf(InternalOAuthError)
          .with.property('message')
          .that.matches(/^Failed to fetch user profile: request failed/);
      });
    }
  });

  describe('encodeForm', () => {
    // node-oauth encodes its token requests with querystring.stringify.
    const value = fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.bigInt(),
      fc.boolean(),
      fc.constant(null),
      fc.object(),
      fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.object())),
    );
    it('encodes as querystring.stringify does', () =>
      fc.assert(
        fc.property(fc.dictionary(fc.string(), value), (form) => {
          expect(encodeForm(form)).to.equal(stringify(form as never));
        }),
      ));
    it('leaves out undefined values (the optional fields of this package)', () =>
      expect(encodeForm({ a: '1', secret: undefined, b: ['x', 'y'] })).to.equal('a=1&b=x&b=y'));
  });

  describe('strategySettings', () => {
    const option = new HttpAgent();
    const set = new HttpAgent();

    it('uses the agent option first', () =>
      expect(strategySettings(1000, option, { _agent: set }).agent).to.equal(option));
    it('uses the agent set with _oauth2.setAgent(), read at each request', () => {
      const oauth2: { _agent?: unknown } = {};
      const settings = strategySettings(1000, undefined, oauth2);
      expect(settings.agent).to.equal(undefined);
      oauth2._agent = set;
      expect(settings.agent).to.equal(set);
    });
  });
});

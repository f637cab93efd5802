import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { format, parse, resolve } from 'node:url';
import { expect } from 'chai';
import type { Request } from 'express';
import { AuthorizeURL, callbackURLOf } from '../src/flow/urls.js';

// The strategy builds its URLs itself, parsing once per strategy; they must be the strings
// passport-oauth2's own authenticate() builds, which these tests compute beside them.
const require = createRequire(import.meta.url);
const utils = require('passport-oauth2/lib/utils') as {
  originalURL(req: unknown, options: { proxy?: boolean }): string;
  merge(a: object, b: object): object;
};

interface FakeRequest {
  url: string;
  headers: Record<string, string>;
  socket: { encrypted?: boolean };
  connection: { encrypted?: boolean };
  app?: { get(setting: string): unknown };
}

function request(
  host: string,
  { tls = false, url = '/auth/whop?next=%2F', headers = {}, trustProxy = false } = {},
): FakeRequest {
  const socket = { encrypted: tls };
  return {
    url,
    headers: { host, ...headers },
    socket,
    connection: socket,
    app: { get: (setting) => (setting === 'trust proxy' ? trustProxy : undefined) },
  };
}

function passportOAuth2Callback(req: FakeRequest, callbackURL: string, proxy: boolean): string {
  if (parse(callbackURL).protocol) return callbackURL;
  return resolve(utils.originalURL(req, { proxy }), callbackURL);
}

function passportOAuth2Authorize(
  authorizationURL: string,
  clientID: string,
  params: Record<string, unknown>,
): string {
  const parsed = parse(authorizationURL, true);
  utils.merge(parsed.query, params);
  parsed.query.client_id = clientID;
  parsed.search = null;
  return format(parsed);
}

describe('urls', () => {
  describe('callbackURLOf', () => {
    const cases: [string, FakeRequest, string, boolean][] = [
      ['a path', request('localhost:3000'), '/auth/whop/callback', false],
      ['a path on https', request('example.com', { tls: true }), '/cb', false],
      ['an absolute URL', request('localhost'), 'https://example.com/auth/cb?x=1', false],
      ['an uppercase host', request('Example.COM:8080'), '/cb', false],
      ['dot segments', request('example.com'), '/auth/../cb/./x', false],
      ['characters url.parse escapes', request('example.com'), "/a b/'c'/{d}", false],
      ['a query', request('example.com'), '/cb?from=whop#top', false],
      ['an IPv6 host', request('[::1]:3000'), '/cb', false],
      [
        'forwarded headers, untrusted',
        request('internal:8080', {
          headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'example.com' },
        }),
        '/cb',
        false,
      ],
      [
        'forwarded headers, proxy option',
        request('internal:8080', {
          headers: { 'x-forwarded-proto': 'HTTPS, http', 'x-forwarded-host': 'example.com' },
        }),
        '/cb',
        true,
      ],
      [
        "forwarded headers, Express's trust proxy",
        request('internal:8080', {
          headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'Example.com' },
          trustProxy: true,
        }),
        '/cb',
        false,
      ],
    ];
    for (const [name, req, callbackURL, proxy] of cases) {
      it(`resolves ${name} as passport-oauth2 does`, () =>
        expect(callbackURLOf(req as unknown as Request, callbackURL, proxy)).to.equal(
          passportOAuth2Callback(req, callbackURL, proxy),
        ));
    }
  });

  describe('callbackURLOf, with a Host that is no host', () => {
    const url = '/auth/whop/callback?code=code_secret_1&state=state_secret_1';

    for (const [what, req] of [
      ['an unclosed IPv6 bracket', request('[::1', { url })],
      ['a port that is not a number', request('example.com:abc', { url })],
      ['a port over 65535', request('example.com:99999', { url })],
      ['a space', request('exa mple.com', { url })],
      ['a path', request('example.com/x?y', { url })],
      [
        'a forwarded host with a bad port, trusted',
        request('example.com', {
          url,
          headers: { 'x-forwarded-host': 'evil:x' },
          trustProxy: true,
        }),
      ],
    ] as const) {
      it(`gives no URL for ${what}, and throws nothing`, () =>
        expect(callbackURLOf(req as unknown as Request, '/auth/whop/callback', false)).to.equal(
          undefined,
        ));
    }
    it('prints no deprecation warning quoting the URL', () => {
      // Node prints DEP0170 once per process: a fresh one, which resolves for a bad Host.
      const module = new URL('../src/flow/urls.ts', import.meta.url).href;
      const script = `const { callbackURLOf } = await import(${JSON.stringify(module)});
        callbackURLOf({ headers: { host: 'example.com:abc' }, url: ${JSON.stringify(url)}, socket: {} }, '/cb', false);`;
      const { stderr } = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { encoding: 'utf8' },
      );
      expect(stderr).not.to.include('DEP0170');
      expect(stderr).not.to.include('code_secret_1');
    });
  });

  describe('AuthorizeURL', () => {
    const params = {
      scope: 'biz_XXXXXXXXXXXXXX',
      response_type: 'code',
      redirect_uri: 'http://localhost:3000/auth/whop/callback',
      state: 'a b+c/d',
    };
    const cases = [
      'https://whop.com/oauth',
      'https://whop.com/oauth/',
      'https://WHOP.com',
      'https://whop.com/oauth?prompt=consent&scope=openid',
      'https://whop.com/oauth#fragment',
      'http://127.0.0.1:4000/oauth/authorize?client_id=other',
    ];
    for (const authorizationURL of cases) {
      it(`builds ${authorizationURL} as passport-oauth2 does`, () =>
        expect(new AuthorizeURL(authorizationURL, 'app_Test').with(params)).to.equal(
          passportOAuth2Authorize(authorizationURL, 'app_Test', { ...params }),
        ));
    }
  });
});

import { inspect } from 'node:util';
import { expect } from 'chai';
import nock from 'nock';
import refresh from 'passport-oauth2-refresh';
import {
  InternalOAuthError,
  isExpired,
  refreshAccessToken,
  TokenError,
  WhopStrategy,
  type RefreshOptions,
  type WhopStrategyOptions,
  type WhopTokenParams,
  type WhopTokens,
} from '../src/index.js';
import { unixNow } from '../src/whop/tokens.js';
import errors from './fixtures/refresh-errors.json' with { type: 'json' };
import tokens from './fixtures/refresh-tokens.json' with { type: 'json' };
import { rejection } from './support/rejection.js';

const WHOP = 'https://data.whop.com';
const TOKEN_PATH = '/api/v3/oauth/token';
const SECRET = 'secret_test';
const OLD = 'rt_old_refresh_token';
const OTHER = 'rt_other_refresh_token';
const COMPANY = 'biz_company123';
/** Every value that must never show in an error. */
const SECRETS = [SECRET, OLD, OTHER, tokens.rotated.access_token, tokens.rotated.refresh_token];

function newStrategy(options: Partial<WhopStrategyOptions> = {}): WhopStrategy {
  return new WhopStrategy(
    {
      clientID: 'app_test',
      clientSecret: SECRET,
      callbackURL: 'https://example.com/cb',
      ...options,
    },
    async () => ({ id: 'u' }),
  );
}

/** The form the legacy endpoint must receive, exactly (nock matches every field, no more). */
function legacyForm(refreshToken: string, extra: Record<string, string> = {}) {
  return {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: 'app_test',
    client_secret: SECRET,
    ...extra,
  };
}

function tokenEndpoint(form: Record<string, string>): nock.Interceptor {
  return nock(WHOP)
    .matchHeader('content-type', 'application/x-www-form-urlencoded')
    .post(TOKEN_PATH, form);
}

/** Everything about an error a log could show: messages, stacks, hidden fields, causes. */
function everythingShown(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 6; depth += 1) {
    parts.push(current.message, current.stack ?? '', JSON.stringify(current));
    parts.push(inspect(current, { showHidden: true, depth: 6 }));
    current = current.cause ?? (current as { oauthError?: unknown }).oauthError;
  }
  return parts.join('\n');
}

describe('refreshAccessToken', () => {
  let strategy: WhopStrategy;

  before(() => nock.disableNetConnect());
  after(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  beforeEach(() => {
    strategy = newStrategy();
  });

  describe('when Whop rotates the refresh token', () => {
    let scope: nock.Scope;
    let result: WhopTokens;
    let before: number;
    let after: number;

    beforeEach(async () => {
      scope = tokenEndpoint(legacyForm(OLD)).reply(200, tokens.rotated);
      before = unixNow();
      result = await refreshAccessToken(strategy, OLD);
      after = unixNow();
    });

    it('posts the exact form to the token URL', () => scope.done());

    it('resolves the new access token', () => {
      expect(result.accessToken).to.equal('at_refreshed_access_token');
    });

    it('resolves the rotated refresh token', () => {
      expect(result.refreshToken).to.equal('rt_rotated_refresh_token');
    });

    it('resolves the token type, lifetime and scope', () => {
      expect(result).to.include({ tokenType: 'bearer', expiresIn: 3600, scope: COMPANY });
    });

    it('sets expiresAt to now + expires_in, in whole seconds', () => {
      expect(result.expiresAt).to.be.within(before + 3600, after + 3600);
      expect(Number.isInteger(result.expiresAt)).to.equal(true);
    });

    it("keeps Whop's raw answer in params", () => {
      expect(result.params).to.deep.equal(tokens.rotated);
    });

    it('freezes the result, which concurrent callers share', () => {
      expect(Object.isFrozen(result) && Object.isFrozen(result.params)).to.equal(true);
    });
  });

  describe('when Whop sends no refresh_token', () => {
    let scope: nock.Scope;
    let result: WhopTokens;

    beforeEach(async () => {
      scope = tokenEndpoint(legacyForm(OLD)).reply(200, tokens.withoutRefreshToken);
      result = await refreshAccessToken(strategy, OLD);
    });

    it('makes the request', () => scope.done());

    it('keeps the refresh token passed in', () => {
      expect(result.refreshToken).to.equal(OLD);
    });

    it('still resolves the new access token', () => {
      expect(result.accessToken).to.equal('at_refreshed_access_token');
    });
  });

  describe('when a company is given', () => {
    let scope: nock.Scope;
    let options: RefreshOptions;

    beforeEach(async () => {
      options = { scope: COMPANY };
      scope = tokenEndpoint(legacyForm(OLD, { scope: COMPANY })).reply(200, tokens.rotated);
      await refreshAccessToken(strategy, OLD, options);
    });

    it('sends it as scope', () => scope.done());

    it('leaves the options object as it was', () => {
      expect(options).to.deep.equal({ scope: COMPANY });
    });
  });

  describe('when a company is given as companyId (the verify params.company_id)', () => {
    it('sends it as scope in the legacy flow', async () => {
      const scope = tokenEndpoint(legacyForm(OLD, { scope: COMPANY })).reply(200, tokens.rotated);
      await refreshAccessToken(strategy, OLD, { companyId: COMPANY });
      scope.done();
    });
  });

  describe('when Whop answers invalid_grant', () => {
    let scope: nock.Scope;
    let error: unknown;

    beforeEach(async () => {
      scope = tokenEndpoint(legacyForm(OLD)).reply(400, errors.invalidGrant);
      error = await rejection(refreshAccessToken(strategy, OLD));
    });

    it('makes the request', () => scope.done());

    it('rejects with a TokenError', () => {
      expect(error).to.be.instanceOf(TokenError);
    });

    it("carries Whop's code and the real status", () => {
      expect(error).to.include({ code: 'invalid_grant', status: 400 });
    });

    it("carries Whop's description", () => {
      expect((error as Error).message).to.equal('Refresh token is invalid');
    });

    it('shows no secret and no token', () => {
      for (const secret of SECRETS) expect(everythingShown(error)).not.to.include(secret);
    });
  });

  const shapes: {
    name: string;
    status: number;
    body: nock.Body;
    headers: Record<string, string>;
    expected: Record<string, unknown>;
  }[] = [
    {
      name: 'a v2 error ({error: {status, message}})',
      status: 400,
      body: errors.v2,
      headers: {},
      expected: { code: 'invalid_request', message: 'Invalid refresh token', status: 400 },
    },
    {
      name: 'a v1 error ({error: {type, message}})',
      status: 400,
      body: errors.v1,
      headers: {},
      expected: { code: 'invalid_request_error', message: 'Missing refresh_token', status: 400 },
    },
    {
      name: 'a 429 rate limit ({message} with Retry-After)',
      status: 429,
      body: errors.rateLimited,
      headers: { 'Retry-After': '30' },
      expected: {
        code: 'rate_limit_exceeded',
        message: 'You are being rate limited',
        status: 429,
        retryAfter: 30,
      },
    },
  ];
  for (const shape of shapes) {
    describe(`when Whop answers ${shape.name}`, () => {
      let scope: nock.Scope;
      let error: unknown;

      beforeEach(async () => {
        scope = tokenEndpoint(legacyForm(OLD)).reply(shape.status, shape.body, shape.headers);
        error = await rejection(refreshAccessToken(strategy, OLD));
      });

      it('makes the request', () => scope.done());

      it('rejects with a TokenError', () => {
        expect(error).to.be.instanceOf(TokenError);
      });

      it("carries Whop's message, a code and the status", () => {
        expect(error).to.include(shape.expected);
      });

      it('shows no secret and no token', () => {
        for (const secret of SECRETS) expect(everythingShown(error)).not.to.include(secret);
      });
    });
  }

  describe('when Whop answers a 502 HTML page', () => {
    let scope: nock.Scope;
    let error: unknown;

    beforeEach(async () => {
      scope = tokenEndpoint(legacyForm(OLD)).reply(502, errors.badGateway, {
        'Content-Type': 'text/html',
      });
      error = await rejection(refreshAccessToken(strategy, OLD));
    });

    it('makes the request', () => scope.done());

    it('rejects with an InternalOAuthError', () => {
      expect(error).to.be.instanceOf(InternalOAuthError);
    });

    it('names the step and the status', () => {
      expect((error as Error).message).to.equal(
        'Failed to refresh access token: Whop answered HTTP 502, not JSON',
      );
    });

    it('shows no secret and no token', () => {
      for (const secret of SECRETS) expect(everythingShown(error)).not.to.include(secret);
    });
  });

  describe('when Whop does not answer in time', () => {
    let scope: nock.Scope;
    let error: unknown;

    beforeEach(async () => {
      strategy = newStrategy({ timeout: 50 });
      scope = tokenEndpoint(legacyForm(OLD)).delay(2000).reply(200, tokens.rotated);
      error = await rejection(refreshAccessToken(strategy, OLD));
    });

    it('made the request', () => scope.done());

    it('rejects with an InternalOAuthError that says so', () => {
      expect(error).to.be.instanceOf(InternalOAuthError);
      expect((error as Error).message).to.equal(
        'Failed to refresh access token: timed out after 50 ms',
      );
    });

    it('shows no secret and no token', () => {
      for (const secret of SECRETS) expect(everythingShown(error)).not.to.include(secret);
    });
  });

  describe('when the connection fails', () => {
    let scope: nock.Scope;
    let error: unknown;

    beforeEach(async () => {
      scope = tokenEndpoint(legacyForm(OLD)).replyWithError(
        Object.assign(
          new Error(`socket hang up sending refresh_token=${OLD}&client_secret=${SECRET}`),
          { code: 'ECONNRESET' },
        ),
      );
      error = await rejection(refreshAccessToken(strategy, OLD));
    });

    it('made the request', () => scope.done());

    it('rejects with an InternalOAuthError naming the step', () => {
      expect(error).to.be.instanceOf(InternalOAuthError);
      expect((error as Error).message).to.match(/^Failed to refresh access token: request failed/);
    });

    it('takes the secret and the token out of the quoted transport error', () => {
      for (const secret of SECRETS) expect(everythingShown(error)).not.to.include(secret);
    });
  });

  describe('when 20 calls refresh the same token at once', () => {
    let scope: nock.Scope;
    let requests: number;
    let results: WhopTokens[];

    beforeEach(async () => {
      requests = 0;
      scope = tokenEndpoint(legacyForm(OLD))
        .reply(() => {
          requests += 1;
          return [200, tokens.rotated];
        })
        .persist();
      results = await Promise.all(
        Array.from({ length: 20 }, () => refreshAccessToken(strategy, OLD)),
      );
    });

    it('makes one request', () => {
      scope.done();
      expect(requests).to.equal(1);
    });

    it('resolves the same tokens for all 20', () => {
      expect(results).to.have.length(20);
      for (const result of results) expect(result).to.equal(results[0]);
      expect(results[0]?.refreshToken).to.equal('rt_rotated_refresh_token');
    });
  });

  describe('when the shared request fails', () => {
    let scope: nock.Scope;
    let requests: number;
    let outcomes: PromiseSettledResult<WhopTokens>[];

    beforeEach(async () => {
      requests = 0;
      scope = tokenEndpoint(legacyForm(OLD))
        .reply(() => {
          requests += 1;
          return [400, errors.invalidGrant];
        })
        .persist();
      outcomes = await Promise.allSettled(
        Array.from({ length: 3 }, () => refreshAccessToken(strategy, OLD)),
      );
    });

    it('makes one request', () => {
      scope.done();
      expect(requests).to.equal(1);
    });

    it('rejects every caller with the same error', () => {
      const reasons = outcomes.map((o) => (o.status === 'rejected' ? o.reason : o.value));
      expect(reasons[0]).to.be.instanceOf(TokenError);
      for (const reason of reasons) expect(reason).to.equal(reasons[0]);
    });
  });

  describe('when two different tokens are refreshed at once', () => {
    let scopes: nock.Scope[];
    let results: WhopTokens[];

    beforeEach(async () => {
      scopes = [
        tokenEndpoint(legacyForm(OLD)).reply(200, tokens.rotated),
        tokenEndpoint(legacyForm(OTHER)).reply(200, tokens.withoutRefreshToken),
      ];
      results = await Promise.all([
        refreshAccessToken(strategy, OLD),
        refreshAccessToken(strategy, OTHER),
      ]);
    });

    it('makes two requests', () => {
      for (const scope of scopes) scope.done();
    });

    it('resolves each its own tokens', () => {
      expect(results.map((r) => r.refreshToken)).to.deep.equal(['rt_rotated_refresh_token', OTHER]);
    });
  });

  describe('when the same token is refreshed at once for two companies', () => {
    let scopes: nock.Scope[];

    beforeEach(async () => {
      scopes = [
        tokenEndpoint(legacyForm(OLD)).reply(200, tokens.rotated),
        tokenEndpoint(legacyForm(OLD, { scope: COMPANY })).reply(200, tokens.rotated),
      ];
      await Promise.all([
        refreshAccessToken(strategy, OLD),
        refreshAccessToken(strategy, OLD, { scope: COMPANY }),
      ]);
    });

    it('makes two requests', () => {
      for (const scope of scopes) scope.done();
    });
  });

  describe('when the same token is refreshed at once through two strategies', () => {
    let scope: nock.Scope;

    beforeEach(async () => {
      scope = tokenEndpoint(legacyForm(OLD)).twice().reply(200, tokens.rotated);
      await Promise.all([
        refreshAccessToken(strategy, OLD),
        refreshAccessToken(newStrategy(), OLD),
      ]);
    });

    it('makes two requests', () => scope.done());
  });

  describe('when a refresh has settled', () => {
    let scope: nock.Scope;
    let first: WhopTokens;
    let second: WhopTokens;

    beforeEach(async () => {
      scope = tokenEndpoint(legacyForm(OLD))
        .reply(200, tokens.rotated)
        .post(TOKEN_PATH, legacyForm(OLD))
        .reply(200, { ...tokens.rotated, access_token: 'at_second' });
      first = await refreshAccessToken(strategy, OLD);
      second = await refreshAccessToken(strategy, OLD);
    });

    it('a later call makes a new request', () => scope.done());

    it('resolves the new answer', () => {
      expect([first.accessToken, second.accessToken]).to.deep.equal([
        'at_refreshed_access_token',
        'at_second',
      ]);
    });
  });

  describe('when a refresh has failed', () => {
    let scope: nock.Scope;
    let second: WhopTokens;

    beforeEach(async () => {
      scope = tokenEndpoint(legacyForm(OLD))
        .reply(502, errors.badGateway)
        .post(TOKEN_PATH, legacyForm(OLD))
        .reply(200, tokens.rotated);
      await rejection(refreshAccessToken(strategy, OLD));
      second = await refreshAccessToken(strategy, OLD);
    });

    it('a retry makes a new request', () => scope.done());

    it('resolves the retry', () => {
      expect(second.accessToken).to.equal('at_refreshed_access_token');
    });
  });

  const badArguments: {
    name: string;
    call: () => Promise<WhopTokens>;
    message: RegExp;
  }[] = [
    {
      name: 'the strategy is not a WhopStrategy',
      call: () => refreshAccessToken({} as WhopStrategy, OLD),
      message: /^refreshAccessToken requires a WhopStrategy as its strategy argument$/,
    },
    {
      name: 'the refresh token is empty',
      call: () => refreshAccessToken(strategy, ''),
      message: /^refreshAccessToken requires a refreshToken: a non-empty string$/,
    },
    {
      name: 'the refresh token is not a string',
      call: () => refreshAccessToken(strategy, undefined as unknown as string),
      message: /^refreshAccessToken requires a refreshToken/,
    },
    {
      name: 'the options are not an object',
      call: () => refreshAccessToken(strategy, OLD, null as unknown as RefreshOptions),
      message: /^refreshAccessToken requires the options argument to be an object$/,
    },
    {
      name: 'the scope is not a company ID',
      call: () => refreshAccessToken(strategy, OLD, { scope: 'company123' }),
      message: /^refreshAccessToken requires the scope option to be a company ID/,
    },
    {
      name: 'the scope is an empty string',
      call: () => refreshAccessToken(strategy, OLD, { scope: '' }),
      message: /^refreshAccessToken requires the scope option to be a company ID/,
    },
    {
      name: 'the companyId is a permission scope',
      call: () => refreshAccessToken(strategy, OLD, { companyId: 'read_user' }),
      message: /^refreshAccessToken requires the companyId option to be a company ID/,
    },
    {
      name: 'companyId and scope name different companies',
      call: () => refreshAccessToken(strategy, OLD, { companyId: COMPANY, scope: 'biz_other' }),
      message:
        /^refreshAccessToken requires companyId and scope, when both are given, to name the same company$/,
    },
  ];
  for (const bad of badArguments) {
    describe(`when ${bad.name}`, () => {
      let scope: nock.Scope;
      let returned: Promise<WhopTokens>;
      let error: unknown;

      beforeEach(async () => {
        scope = nock(WHOP).post(TOKEN_PATH).reply(200, tokens.rotated);
        expect(() => {
          returned = bad.call();
        }).not.to.throw();
        error = await rejection(returned);
      });

      it('rejects with a TypeError naming the argument', () => {
        expect(error).to.be.instanceOf(TypeError);
        expect((error as Error).message).to.match(bad.message);
      });

      it('makes no request', () => {
        expect(scope.isDone()).to.equal(false);
      });
    });
  }

  describe('when the strategy speaks OAuth 2.1', () => {
    const OAUTH21 = 'https://api.whop.com';

    /** The flow option is being added to WhopStrategy; until then, set the fields it will set. */
    function oauth21Strategy(clientSecret: string | undefined): WhopStrategy {
      return new WhopStrategy(
        {
          flow: 'oauth2.1',
          clientID: 'app_test',
          clientSecret,
          callbackURL: 'https://example.com/cb',
        },
        async () => ({ id: 'u' }),
      );
    }

    describe('for a public client with a company', () => {
      let scope: nock.Scope;
      let result: WhopTokens;

      beforeEach(async () => {
        scope = nock(OAUTH21)
          .post('/oauth/token', {
            grant_type: 'refresh_token',
            refresh_token: OLD,
            client_id: 'app_test',
            company_id: COMPANY,
          })
          .reply(200, tokens.oauth21);
        result = await refreshAccessToken(oauth21Strategy(undefined), OLD, { scope: COMPANY });
      });

      it('sends company_id and no client_secret', () => scope.done());

      it('resolves the rotated refresh token', () => {
        expect(result.refreshToken).to.equal('rt_oauth21_rotated_refresh_token');
      });
    });

    describe('for a confidential client without a company', () => {
      let scope: nock.Scope;

      beforeEach(async () => {
        scope = nock(OAUTH21)
          .post('/oauth/token', {
            grant_type: 'refresh_token',
            refresh_token: OLD,
            client_id: 'app_test',
            client_secret: SECRET,
          })
          .reply(200, tokens.oauth21);
        await refreshAccessToken(oauth21Strategy(SECRET), OLD);
      });

      it('sends the secret and no company_id', () => scope.done());
    });
  });

  describe('through passport-oauth2-refresh', () => {
    // A registry of its own: the module's default one is shared by every test file.
    const { AuthTokenRefresh } = refresh as unknown as {
      AuthTokenRefresh: new () => typeof refresh;
    };

    function requestNewAccessToken(
      refreshToken: string,
    ): Promise<{ err: unknown; accessToken?: string; refreshToken?: string; params?: unknown }> {
      const registry = new AuthTokenRefresh();
      registry.use(strategy);
      return new Promise((resolve) => {
        registry.requestNewAccessToken(
          'whop',
          refreshToken,
          (err, accessToken, newRefreshToken, params) =>
            resolve({ err, accessToken, refreshToken: newRefreshToken, params }),
        );
      });
    }

    describe('when Whop rotates the refresh token', () => {
      let scope: nock.Scope;
      let outcome: Awaited<ReturnType<typeof requestNewAccessToken>>;

      beforeEach(async () => {
        scope = tokenEndpoint(legacyForm(OLD)).reply(200, tokens.rotated);
        outcome = await requestNewAccessToken(OLD);
      });

      it('posts the exact form through the strategy', () => scope.done());

      it('calls back with the new tokens', () => {
        expect(outcome).to.include({
          err: null,
          accessToken: 'at_refreshed_access_token',
          refreshToken: 'rt_rotated_refresh_token',
        });
      });

      it('calls back with params and expires_at', () => {
        expect((outcome.params as WhopTokenParams).expires_in).to.equal(3600);
        expect((outcome.params as WhopTokenParams).expires_at).to.be.a('number');
      });
    });

    describe('when Whop answers invalid_grant', () => {
      let scope: nock.Scope;
      let outcome: Awaited<ReturnType<typeof requestNewAccessToken>>;

      beforeEach(async () => {
        scope = tokenEndpoint(legacyForm(OLD)).reply(400, errors.invalidGrant);
        outcome = await requestNewAccessToken(OLD);
      });

      it('makes the request', () => scope.done());

      it('calls back with a TokenError with the real status', () => {
        expect(outcome.err).to.be.instanceOf(TokenError);
        expect(outcome.err).to.include({ code: 'invalid_grant', status: 400 });
      });
    });
  });
});

describe('isExpired', () => {
  describe('when expiresAt is unknown', () => {
    it('says not expired for undefined', () => {
      expect(isExpired(undefined)).to.equal(false);
    });

    it('says not expired for null', () => {
      expect(isExpired(null)).to.equal(false);
    });
  });

  describe('with the default skew of 60 s', () => {
    it('says expired for a time already past', () => {
      expect(isExpired(unixNow() - 10)).to.equal(true);
    });

    it('says expired within 60 s of expiry', () => {
      expect(isExpired(unixNow() + 30)).to.equal(true);
    });

    it('says not expired further ahead', () => {
      expect(isExpired(unixNow() + 600)).to.equal(false);
    });
  });

  describe('with a skew given', () => {
    it('says expired within it', () => {
      expect(isExpired(unixNow() + 200, 300)).to.equal(true);
    });

    it('says not expired beyond it', () => {
      expect(isExpired(unixNow() + 30, 0)).to.equal(false);
    });
  });

  describe('when given a bad value', () => {
    it('throws a TypeError for milliseconds', () => {
      expect(() => isExpired(Date.now() + 3_600_000)).to.throw(TypeError, /not milliseconds/);
    });

    it('throws a TypeError for NaN', () => {
      expect(() => isExpired(NaN)).to.throw(TypeError, /expiresAt/);
    });

    it('throws a TypeError for a negative skew', () => {
      expect(() => isExpired(unixNow(), -1)).to.throw(TypeError, /skewSeconds/);
    });
  });
});

describe('refreshAccessToken with customHeaders', () => {
  before(() => nock.disableNetConnect());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("sends the strategy's custom headers", async () => {
    const scope = nock('https://data.whop.com', { reqheaders: { 'x-app': 'demo' } })
      .post('/api/v3/oauth/token')
      .reply(200, { access_token: 'at_new', token_type: 'bearer', expires_in: 60 });
    await refreshAccessToken(newStrategy({ customHeaders: { 'x-app': 'demo' } }), 'rt_headers');
    scope.done();
  });
});

describe('refreshAccessToken with hostile input', () => {
  before(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  it('throws a TypeError for a refresh token with a lone surrogate, before any request', async () => {
    const error = await rejection(refreshAccessToken(newStrategy(), 'rt_\uD800'));
    expect(error)
      .to.be.instanceOf(TypeError)
      .with.property('message', 'refreshAccessToken requires a refreshToken: a non-empty string');
  });

  describe('when Whop answers with __proto__ in its JSON', () => {
    let tokens: WhopTokens;
    beforeEach(async () => {
      nock(WHOP)
        .post(TOKEN_PATH)
        .reply(200, '{"access_token":"at_x","__proto__":{"isAdmin":true,"scope":"biz_evil"}}', {
          'content-type': 'application/json',
        });
      tokens = await refreshAccessToken(newStrategy(), 'rt_proto');
    });

    it('reads no scope from the prototype', () => expect(tokens.scope).to.equal(undefined));
    it('keeps params to own data', () =>
      expect((tokens.params as Record<string, unknown>).isAdmin).to.equal(undefined));
  });

  describe('when Whop sends an access token with CR/LF', () => {
    it('rejects with the refresh step', async () => {
      nock(WHOP).post(TOKEN_PATH).reply(200, { access_token: 'at\r\nX-Evil: 1' });
      const error = await rejection(refreshAccessToken(newStrategy(), 'rt_crlf'));
      expect(error)
        .to.be.instanceOf(InternalOAuthError)
        .with.property(
          'message',
          'Failed to refresh access token: the access_token has characters a header cannot carry',
        );
    });
  });
});

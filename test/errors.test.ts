import { expect } from 'chai';
import nock from 'nock';
import { AuthorizationError, InternalOAuthError, TokenError } from 'passport-oauth2';
import {
  HTTP_ERROR,
  INVALID_RESPONSE,
  RATE_LIMITED,
  REQUEST_FAILED,
  RESPONSE_TOO_LARGE,
  TIMED_OUT,
} from '../src/whop/error-codes.js';
import { answerError, failure, tokenError } from '../src/whop/answer-errors.js';
import { readErrorBody } from '../src/whop/answers.js';
import {
  WhopAuthorizationError,
  WhopInternalOAuthError,
  WhopTokenError,
} from '../src/whop/errors.js';
import { MAX_BODY_BYTES, send } from '../src/whop/http.js';
import { requestToken } from '../src/whop/token-request.js';

const settings = { timeout: 5000 };
const answer = (status: number, text: string, retryAfter?: number) => ({
  status,
  text,
  retryAfter,
});

describe('errors', () => {
  describe('WhopInternalOAuthError', () => {
    const cause = new Error('connect ECONNREFUSED');
    const error = new WhopInternalOAuthError(REQUEST_FAILED, 'token', 'request failed', { cause });

    it("is passport-oauth2's InternalOAuthError", () =>
      expect(error).to.be.instanceOf(InternalOAuthError));
    it("keeps passport-oauth2's name", () => expect(error.name).to.equal('InternalOAuthError'));
    it('has the stable code', () => expect(error.code).to.equal('WHOP_REQUEST_FAILED'));
    it('has the step', () => expect(error.step).to.equal('token'));
    it('starts its message with what the step was doing', () =>
      expect(error.message).to.equal('Failed to obtain access token: request failed'));
    it('keeps the cause as oauthError, as passport-oauth2 does', () =>
      expect(error.oauthError).to.equal(cause));
    it('keeps the cause off enumeration', () => {
      expect(error.cause).to.equal(cause);
      expect(Object.keys(error)).not.to.include('cause');
    });
    it('has no status or retryAfter when Whop did not answer', () => {
      expect(error).not.to.have.property('status');
      expect(error).not.to.have.property('retryAfter');
    });
    it("prints as passport-oauth2's toString prints it", () =>
      expect(String(error)).to.equal('Error: connect ECONNREFUSED'));
  });

  describe('WhopTokenError', () => {
    const error = new WhopTokenError('refresh', 'Expired', 'invalid_grant', undefined, {
      status: 400,
      retryAfter: 3,
    });

    it("is passport-oauth2's TokenError", () => expect(error).to.be.instanceOf(TokenError));
    it("keeps passport-oauth2's name", () => expect(error.name).to.equal('TokenError'));
    it("keeps Whop's OAuth error as the code, as passport-oauth2 does", () =>
      expect(error.code).to.equal('invalid_grant'));
    it('has the step', () => expect(error.step).to.equal('refresh'));
    it('has the status', () => expect(error.status).to.equal(400));
    it('has retryAfter', () => expect(error.retryAfter).to.equal(3));
    it('has no oauthError unless given one', () =>
      expect(error).not.to.have.property('oauthError'));
  });

  describe('WhopAuthorizationError', () => {
    const error = new WhopAuthorizationError('Oops', 'server_error', undefined!);

    it("is passport-oauth2's AuthorizationError", () =>
      expect(error).to.be.instanceOf(AuthorizationError));
    it("keeps passport-oauth2's name", () => expect(error.name).to.equal('AuthorizationError'));
    it("keeps passport-oauth2's status for the code", () => expect(error.status).to.equal(502));
    it('has the step authorize', () => expect(error.step).to.equal('authorize'));
  });

  describe('tokenError', () => {
    describe('for an RFC 6749 error on a 400', () => {
      const error = tokenError(
        'token',
        readErrorBody({ error: 'invalid_grant', error_description: 'Used' })!,
        answer(400, '{"error":"invalid_grant","error_description":"Used"}'),
      );
      it('has the real status', () => expect(error.status).to.equal(400));
      it("has Whop's code", () => expect(error.code).to.equal('invalid_grant'));
      it('has no oauthError, as passport-oauth2 makes none here', () =>
        expect(error).not.to.have.property('oauthError'));
    });

    describe("for Whop's { message } on a 429", () => {
      const text = '{"message":"You are being rate limited"}';
      const error = tokenError('token', readErrorBody(JSON.parse(text))!, answer(429, text, 60));
      it('is rate_limit_exceeded', () => expect(error.code).to.equal('rate_limit_exceeded'));
      it('has retryAfter', () => expect(error.retryAfter).to.equal(60));
      it("keeps the oauthError passport-oauth2's InternalOAuthError would have", () =>
        expect(error.oauthError).to.deep.equal({ statusCode: 429, data: text }));
    });

    describe('for an OAuth error inside a 200', () => {
      const text = '{"error":"invalid_grant"}';
      const error = tokenError('token', readErrorBody(JSON.parse(text))!, answer(200, text));
      it("says 500, TokenError's default, never 200", () => expect(error.status).to.equal(500));
      it('has no oauthError', () => expect(error).not.to.have.property('oauthError'));
    });
  });

  describe('answerError', () => {
    for (const [status, text, code] of [
      [401, '', HTTP_ERROR],
      [500, '<html>Internal error</html>', HTTP_ERROR],
      [429, '<html>Too many</html>', RATE_LIMITED],
    ] as const) {
      describe(`for a ${status} with ${text === '' ? 'an empty body' : 'HTML'}`, () => {
        const error = answerError('profile', answer(status, text, 7));
        it('is an InternalOAuthError', () => expect(error).to.be.instanceOf(InternalOAuthError));
        it(`has the code ${code}`, () => expect(error.code).to.equal(code));
        it("has node-oauth's { statusCode, data } as oauthError", () =>
          expect(error.oauthError).to.deep.equal({ statusCode: status, data: text }));
        it('has the status', () => expect(error.status).to.equal(status));
        it('has retryAfter', () => expect(error.retryAfter).to.equal(7));
      });
    }
  });

  describe('for a failed answer that carries tokens (a 302 or 404 with a token body)', () => {
    const text = '{"access_token":"at_leaked_1","refresh_token":"rt_leaked_1"}';
    const error = answerError('token', answer(302, text));
    it('keeps oauthError without the tokens', () =>
      expect(error.oauthError).to.deep.equal({
        statusCode: 302,
        data: '{"access_token":"[redacted]","refresh_token":"[redacted]"}',
      }));
    it('prints without them', () => expect(String(error)).not.to.match(/leaked/));
  });

  describe("Whop's /api/v1 error shapes", () => {
    it('read the code of {error: {code, message}}', () =>
      expect(readErrorBody({ error: { code: 'not_found', message: 'No user' } })).to.include({
        code: 'not_found',
        message: 'No user',
      }));
    it('read the type of {error: {type, message}}', () =>
      expect(readErrorBody({ error: { type: 'rate_limit_exceeded', message: 'x' } })).to.include({
        code: 'rate_limit_exceeded',
      }));
  });

  describe("a 429 whose message says 'Try again in 12 seconds.'", () => {
    const text = '{"error":{"type":"rate_limit_exceeded","message":"Try again in 12 seconds."}}';
    it('gives retryAfter from the message without Retry-After', () =>
      expect(answerError('access', answer(429, text)).retryAfter).to.equal(12));
    it('prefers Retry-After when Whop sends it', () =>
      expect(answerError('access', answer(429, text, 30)).retryAfter).to.equal(30));
    it('gives the TokenError retryAfter from the message', () =>
      expect((failure('refresh', answer(429, text)) as WhopTokenError).retryAfter).to.equal(12));
    it('says the wait in the message', () =>
      expect(answerError('access', answer(429, text)).message).to.match(/retry after 12 s$/));
  });

  describe('the setup failures', () => {
    for (const [said, hint] of [
      ['client_secret lacks oauth:token_exchange permission', /grant it oauth:token_exchange/],
      ['client_secret is required', /make the app public .* on Whop's developer dashboard/],
    ] as const) {
      describe(`'${said}'`, () => {
        const text = JSON.stringify({ error: 'invalid_client', error_description: said });
        const error = failure('token', answer(401, text)) as WhopTokenError;
        it("keeps Whop's message", () => expect(error.message).to.include(said));
        it("says what to change on Whop's dashboard", () => expect(error.message).to.match(hint));
        it('keeps the code', () => expect(error.code).to.equal('invalid_client'));
      });
    }
    it('adds nothing to other messages', () =>
      expect(
        failure('token', answer(400, '{"error":"invalid_grant","error_description":"Used"}')),
      ).to.have.property('message', 'Used'));
  });

  describe('failure', () => {
    it('is a TokenError for an OAuth error on a 4xx', () =>
      expect(failure('revoke', answer(400, '{"error":"invalid_client"}'))).to.include({
        name: 'TokenError',
        code: 'invalid_client',
        step: 'revoke',
      }));
    it('is an InternalOAuthError for a 4xx without one', () =>
      expect(failure('revoke', answer(401, ''))).to.include({ code: HTTP_ERROR, status: 401 }));
  });

  describe('the codes of requests', () => {
    beforeEach(() => nock.disableNetConnect());
    afterEach(() => {
      nock.cleanAll();
      nock.enableNetConnect();
    });

    it('a 200 token answer without an access token: INVALID_RESPONSE, and no status', async () => {
      const scope = nock('https://whop.test').post('/token').reply(200, { token_type: 'bearer' });
      const error = (await requestToken('token', 'https://whop.test/token', {}, settings).catch(
        (e: unknown) => e,
      )) as WhopInternalOAuthError;
      scope.done();
      expect(error.code).to.equal(INVALID_RESPONSE);
      expect(error).not.to.have.property('status');
    });

    it('a 200 token answer that is not JSON: INVALID_RESPONSE, and no status', async () => {
      const scope = nock('https://whop.test').post('/token').reply(200, 'access_token=at_1');
      const error = (await requestToken('token', 'https://whop.test/token', {}, settings).catch(
        (e: unknown) => e,
      )) as WhopInternalOAuthError;
      scope.done();
      expect(error.code).to.equal(INVALID_RESPONSE);
      expect(error).not.to.have.property('status');
    });

    it('a request Node refuses to send: REQUEST_FAILED', async () => {
      const request = {
        step: 'profile' as const,
        url: 'https://whop.test/me',
        bearer: 'at\r\nX: 1',
      };
      const error = (await send(request, settings).catch(
        (e: unknown) => e,
      )) as WhopInternalOAuthError;
      expect(error).to.include({ code: REQUEST_FAILED, step: 'profile' });
    });

    it('no answer in time: TIMED_OUT', async () => {
      const scope = nock('https://whop.test').get('/me').delay(1000).reply(200, '{}');
      const error = (await send(
        { step: 'profile', url: 'https://whop.test/me' },
        { timeout: 20 },
      ).catch((e: unknown) => e)) as WhopInternalOAuthError;
      scope.done();
      expect(error).to.include({ code: TIMED_OUT, step: 'profile' });
    });

    it('a body over 1 MiB: RESPONSE_TOO_LARGE', async () => {
      const scope = nock('https://whop.test')
        .get('/me')
        .reply(200, 'x'.repeat(MAX_BODY_BYTES + 1));
      const error = (await send({ step: 'profile', url: 'https://whop.test/me' }, settings).catch(
        (e: unknown) => e,
      )) as WhopInternalOAuthError;
      scope.done();
      expect(error).to.include({ code: RESPONSE_TOO_LARGE, step: 'profile' });
    });
  });
});

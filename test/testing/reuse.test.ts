import { expect } from 'chai';
import { startMockWhop, type MockWhop, type MockWhopOptions } from '../../src/testing/index.js';
import { accessWorks, mockLogin, refreshAtMock, type MockTokens } from '../support/mock-tokens.js';
import { rejection } from '../support/rejection.js';

describe('MockWhop refresh token reuse', () => {
  let whop: MockWhop;
  let first: Awaited<ReturnType<typeof mockLogin>>;
  let rotated: MockTokens;
  let reused: MockTokens;

  const scenario = (options: MockWhopOptions) => async () => {
    whop = await startMockWhop(options);
    first = await mockLogin(whop);
    rotated = await refreshAtMock(whop, first.refresh_token);
    reused = await refreshAtMock(whop, first.refresh_token);
  };
  afterEach(() => whop.close());

  describe('by default (refuse)', () => {
    beforeEach(scenario({}));

    it('refuses the reused token', () => expect(reused.error).to.equal('invalid_grant'));
    it('keeps the rotated refresh token working', async () =>
      expect((await refreshAtMock(whop, rotated.refresh_token!)).status).to.equal(200));
  });

  describe("with refreshTokenReuse: 'revoke'", () => {
    beforeEach(scenario({ refreshTokenReuse: 'revoke' }));

    it('rotates on first use', () => expect(rotated.status).to.equal(200));
    it('refuses the reused token', () => expect(reused.error).to.equal('invalid_grant'));
    it('revokes the refresh token issued in its place', async () =>
      expect((await refreshAtMock(whop, rotated.refresh_token!)).error).to.equal('invalid_grant'));
    it('revokes the access token issued in its place', async () =>
      expect(await accessWorks(whop, rotated.access_token!)).to.equal(false));
    it('leaves another login working', async () => {
      const other = await mockLogin(whop);
      expect((await refreshAtMock(whop, other.refresh_token)).status).to.equal(200);
    });
  });

  describe("with refreshTokenReuse: 'revoke', a token used once", () => {
    beforeEach(async () => {
      whop = await startMockWhop({ refreshTokenReuse: 'revoke' });
      first = await mockLogin(whop);
      rotated = await refreshAtMock(whop, first.refresh_token);
    });

    it('leaves the rotated tokens working', async () =>
      expect(await accessWorks(whop, rotated.access_token!)).to.equal(true));
  });
});

describe('startMockWhop refreshTokenReuse option', () => {
  it('rejects an unknown refreshTokenReuse', async () => {
    const error = await rejection(startMockWhop({ refreshTokenReuse: 'ignore' as never }));
    expect(error)
      .to.be.instanceOf(TypeError)
      .with.property(
        'message',
        "startMockWhop requires refreshTokenReuse to be 'refuse' or 'revoke'",
      );
  });
});

describe('MockWhop holdTokenRequests', () => {
  let whop: MockWhop;
  let first: Awaited<ReturnType<typeof mockLogin>>;
  beforeEach(async () => {
    whop = await startMockWhop();
    first = await mockLogin(whop);
  });
  afterEach(() => whop.close());

  describe('when a refresh is held', () => {
    let held: Promise<MockTokens>;
    beforeEach(async () => {
      const arrived = whop.holdTokenRequests();
      held = refreshAtMock(whop, first.refresh_token);
      // The held request fails when the mock closes; that is no test's business.
      held.catch(() => undefined);
      await arrived;
    });

    it('leaves it unprocessed: the refresh token still works', async () =>
      expect((await refreshAtMock(whop, first.refresh_token)).status).to.equal(200));
    it('answers the next one', async () => {
      await refreshAtMock(whop, first.refresh_token);
      expect(whop.requestCount('/api/v3/oauth/token', 'refresh_token')).to.equal(1);
    });
  });

  it('requires a positive count', () =>
    expect(() => whop.holdTokenRequests(0)).to.throw(
      TypeError,
      'MockWhop.holdTokenRequests requires count to be a positive integer',
    ));
});

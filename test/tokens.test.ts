import { expect } from 'chai';
import { isExpired } from '../src/index.js';
import { MAX_EXPIRES_IN, toTokenParams } from '../src/whop/tokens.js';

const NOW = 1_800_000_000;

describe('tokens', () => {
  describe('toTokenParams', () => {
    describe('with expires_in of', () => {
      for (const [value, seconds] of [
        [3600, 3600],
        [0, 0],
        ['3600', 3600],
        [MAX_EXPIRES_IN, MAX_EXPIRES_IN],
      ] as const) {
        it(`${JSON.stringify(value)}: sets expires_at ${seconds} s from now`, () =>
          expect(toTokenParams({ access_token: 'a', expires_in: value }, NOW)).to.include({
            expires_in: seconds,
            expires_at: NOW + seconds,
          }));
      }
      for (const value of [1e308, MAX_EXPIRES_IN + 1, -1, null, '', [], {}, '1e3', 'NaN', true]) {
        it(`${JSON.stringify(value)}: leaves expires_in and expires_at out`, () => {
          const params = toTokenParams({ access_token: 'a', expires_in: value }, NOW);
          expect(params).not.to.have.property('expires_in');
          expect(params).not.to.have.property('expires_at');
        });
      }
    });

    describe("with an expires_at of Whop's own", () => {
      it('leaves it out when there is no expires_in', () =>
        expect(toTokenParams({ access_token: 'a', expires_at: 'soon' }, NOW)).not.to.have.property(
          'expires_at',
        ));
      it('sets its own from expires_in', () =>
        expect(
          toTokenParams({ access_token: 'a', expires_in: 60, expires_at: 'soon' }, NOW),
        ).to.include({ expires_at: NOW + 60 }));
    });

    describe('with __proto__, constructor and prototype in the JSON', () => {
      let params: Record<string, unknown>;
      beforeEach(() => {
        const json = JSON.parse(
          '{"access_token":"x","__proto__":{"isAdmin":true,"scope":"biz_evil"},"constructor":{"prototype":{"polluted":1}},"prototype":{"a":1}}',
        ) as Record<string, unknown>;
        params = toTokenParams(json, NOW) as Record<string, unknown>;
      });

      it('keeps the prototype', () =>
        expect(Object.getPrototypeOf(params)).to.equal(Object.prototype));
      it('inherits nothing from them', () => {
        expect(params.isAdmin).to.equal(undefined);
        expect(params.scope).to.equal(undefined);
      });
      it('holds them as own data', () =>
        expect(Object.getOwnPropertyDescriptor(params, '__proto__')?.value).to.deep.equal({
          isAdmin: true,
          scope: 'biz_evil',
        }));
      it('leaves Object.prototype alone', () =>
        expect(({} as Record<string, unknown>).polluted).to.equal(undefined));
    });
  });

  describe('isExpired', () => {
    it('says an unknown expiry (undefined) is not expired', () =>
      expect(isExpired(undefined)).to.equal(false));
    it('answers for the latest expires_at this package makes', () =>
      expect(
        isExpired(toTokenParams({ access_token: 'a', expires_in: MAX_EXPIRES_IN }).expires_at),
      ).to.equal(false));
    it('answers for params whose expires_in was absurd', () =>
      expect(
        isExpired(toTokenParams({ access_token: 'a', expires_in: 1e308 }).expires_at),
      ).to.equal(false));
  });
});

import { expect } from 'chai';
import { parseProfile, type WhopProfile } from '../src/index.js';
import { fixture } from './support/fixtures.js';

describe('parseProfile', () => {
  describe("with Whop's /api/v5/me body", () => {
    const body = JSON.stringify(fixture('me'));
    let profile: WhopProfile;
    beforeEach(() => {
      profile = parseProfile(body);
    });

    it('names the provider', () => expect(profile.provider).to.equal('whop'));
    it('takes the id', () => expect(profile.id).to.equal('user_xxxxxxxxxxxxx'));
    it('takes the username', () => expect(profile.username).to.equal('johndoe42'));
    it('takes the name as displayName', () => expect(profile.displayName).to.equal('John Doe'));
    it('lists the email, without a verified flag Whop did not give', () =>
      expect(profile.emails).to.deep.equal([{ value: 'john@example.com' }]));
    it('lists the picture', () =>
      expect(profile.photos).to.deep.equal([
        { value: 'https://media.whop.com/abc123/optimized.jpg' },
      ]));
    it('keeps the raw body', () => expect(profile._raw).to.equal(body));
    it('keeps the parsed body', () => expect(profile._json).to.deep.equal(JSON.parse(body)));
  });

  describe('with an OpenID userinfo body', () => {
    let profile: WhopProfile;
    beforeEach(() => {
      profile = parseProfile(JSON.stringify(fixture('userinfo')));
    });

    it('takes sub as the id', () => expect(profile.id).to.equal('user_xxxxxxxxxxxxx'));
    it('takes preferred_username as the username', () =>
      expect(profile.username).to.equal('johndoe42'));
    it('keeps email_verified', () =>
      expect(profile.emails).to.deep.equal([{ value: 'john@example.com', verified: true }]));
    it('takes picture as the photo', () =>
      expect(profile.photos).to.deep.equal([
        { value: 'https://media.whop.com/abc123/optimized.jpg' },
      ]));
  });

  describe('when only id and username are present', () => {
    let profile: WhopProfile;
    beforeEach(() => {
      profile = parseProfile('{"id":"user_1","username":"solo","email":null}');
    });

    it('uses the username as displayName', () => expect(profile.displayName).to.equal('solo'));
    it('has no emails', () => expect(profile).not.to.have.property('emails'));
    it('has no photos', () => expect(profile).not.to.have.property('photos'));
  });

  describe('when the body is unusable', () => {
    it('throws for non-JSON', () =>
      expect(() => parseProfile('<html>')).to.throw(TypeError, 'the profile is not JSON'));
    it('throws for a JSON array', () =>
      expect(() => parseProfile('[]')).to.throw(TypeError, 'not a JSON object'));
    it('throws when there is no user id', () =>
      expect(() => parseProfile('{"username":"x"}')).to.throw(
        TypeError,
        'the profile has no user id',
      ));
    it('throws when the id is not a string', () =>
      expect(() => parseProfile('{"id":42}')).to.throw(TypeError, 'no user id'));
  });

  describe('with __proto__ in the JSON', () => {
    let profile: WhopProfile;
    beforeEach(() => {
      profile = parseProfile('{"id":"user_1","__proto__":{"isAdmin":true,"username":"evil"}}');
    });

    it('inherits nothing from it', () =>
      expect((profile._json as Record<string, unknown>).isAdmin).to.equal(undefined));
    it('keeps the prototype of _json', () =>
      expect(Object.getPrototypeOf(profile._json)).to.equal(Object.prototype));
    it('reads no username from it', () => expect(profile.username).to.equal(undefined));
  });
});

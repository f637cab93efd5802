import { inspect } from 'node:util';
import { expect } from 'chai';
import { clientCredentials, MIN_SECRET_LENGTH, redact } from '../src/whop/redact.js';
import { printable } from '../src/whop/text.js';

// A secret with every character the encodings change: `/` `+` `=` `&` `"` `'` `<` `\`, a space,
// a CR, an ESC and a non-ASCII letter.
const SECRET = `s/e+c=r&e"t'<\\ x\r\u001b\u00e9_0123`;

/** `text` with `secret` written in it, and what is left of it once redacted. */
function shown(form: string, secrets: unknown[] = [SECRET]): string {
  return redact(`before ${form} after`, secrets);
}

describe('redact', () => {
  describe('the forms of a secret', () => {
    const forms: Record<string, string> = {
      'as is': SECRET,
      'percent-encoded, uppercase hex': encodeURIComponent(SECRET),
      'percent-encoded, lowercase hex': encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (h) =>
        h.toLowerCase(),
      ),
      'form-encoded (a space as +)': new URLSearchParams({ s: SECRET }).toString().slice(2),
      'form-encoded, lowercase hex': new URLSearchParams({ s: SECRET })
        .toString()
        .slice(2)
        .toLowerCase(),
      'in a URL (encodeURI)': encodeURI(SECRET),
      'JSON-escaped': JSON.stringify(SECRET).slice(1, -1),
      'JSON-escaped with uppercase \\u hex': JSON.stringify(SECRET)
        .slice(1, -1)
        .replace(/\\u001b/, '\\u001B'),
      'JSON-escaped twice': JSON.stringify(JSON.stringify(SECRET).slice(1, -1)).slice(1, -1),
      'JSON-escaped with \\/': JSON.stringify(SECRET).slice(1, -1).replace(/\//g, '\\/'),
      'as printable() writes it (\\u000d)': printable(SECRET),
      'as util.inspect writes it': inspect(SECRET).slice(1, -1),
      'HTML-escaped (&#39;)': SECRET.replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;'),
      'HTML-escaped (&#x27;)': SECRET.replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#x27;'),
      base64: Buffer.from(SECRET).toString('base64'),
      'base64 without padding': Buffer.from(SECRET).toString('base64').replace(/=+$/, ''),
      base64url: Buffer.from(SECRET).toString('base64url'),
    };
    for (const [name, form] of Object.entries(forms)) {
      it(`takes it out ${name}`, () => {
        // Not a form a simpler rule already covers by accident.
        expect(form === SECRET || !form.includes(SECRET)).to.equal(true);
        expect(shown(form)).to.equal('before [redacted] after');
      });
    }
  });

  describe('inside a longer base64 text', () => {
    // A JWT's payload or a Basic header: the secret's bytes at any offset of the encoded text.
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      it(`takes out the run that stands for it after ${prefix.length} bytes`, () => {
        const encoded = Buffer.from(`${prefix}${SECRET}{"more":1}`).toString('base64url');
        const core = Buffer.from(SECRET.slice(3, 18)).toString('base64url');
        expect(redact(encoded, [SECRET])).to.include('[redacted]');
        expect(redact(encoded, [SECRET])).not.to.include(core.slice(4, 12));
      });
    }

    it('takes out the Basic credentials of a client', () => {
      const header = `Basic ${Buffer.from(`app_test:${SECRET}`).toString('base64')}`;
      expect(redact(header, [SECRET, ...clientCredentials('app_test', SECRET)])).to.equal(
        'Basic [redacted]',
      );
    });

    it('takes out the form-encoded Basic credentials (RFC 6749 2.3.1)', () => {
      const encoded = new URLSearchParams({ s: SECRET }).toString().slice(2);
      const header = `Basic ${Buffer.from(`app_test:${encoded}`).toString('base64')}`;
      expect(redact(header, clientCredentials('app_test', SECRET))).to.equal('Basic [redacted]');
    });
  });

  describe('the shortest secret looked for', () => {
    it(`is ${MIN_SECRET_LENGTH} characters`, () => expect(MIN_SECRET_LENGTH).to.equal(4));
    it('takes out a 4-character secret', () =>
      expect(redact('code abcd used', ['abcd'])).to.equal('code [redacted] used'));
    it('leaves a 3-character value alone', () =>
      expect(redact('code abc used', ['abc'])).to.equal('code abc used'));
    it('leaves values that are not strings alone', () =>
      expect(redact('code 12345 used', [12345, null, undefined])).to.equal('code 12345 used'));
  });

  describe('overlaps', () => {
    it('takes out the longer of two secrets, one inside the other, whole', () =>
      expect(redact('tok_abcd_long', ['abcd', 'tok_abcd_long'])).to.equal('[redacted]'));
    it('takes out two overlapping secrets as one stretch', () =>
      expect(redact('x abcdefgh y', ['abcd', 'cdefgh'])).to.equal('x [redacted] y'));
    it('changes nothing more when run twice', () =>
      expect(redact(redact('x secret_value y', ['secret_value']), ['dact'])).to.equal(
        'x [redacted] y',
      ));
  });

  describe('a quote cut short', () => {
    const token = `eyJ${'a1B2'.repeat(150)}`;
    const echo = `${'x'.repeat(250)} Bearer ${token} is expired`;

    it('keeps no part of a secret when the secrets go to printable (redacted, then cut)', () => {
      const quoted = printable(echo, (text) => redact(text, [token]));
      expect(quoted).to.equal(`${'x'.repeat(250)} Bearer [redacted] is expired`);
    });

    it('takes out the head of a secret that ends a quote cut without them', () => {
      const quoted = printable(echo);
      expect(quoted).to.include(token.slice(0, 40));
      expect(redact(quoted, [token])).to.equal(`${'x'.repeat(250)} Bearer [redacted]…`);
    });

    it('leaves a head shorter than 4 characters', () => {
      const quoted = printable(`${'x'.repeat(297)}eyJ${token}`);
      expect(redact(quoted, [token])).to.equal(`${'x'.repeat(297)}eyJ…`);
    });
  });
});

import { expect } from 'chai';
import { bindState, isSigned, nonceOf, unbindState } from '../src/flow/binding.js';
import { WhopStrategy } from '../src/index.js';
import { COMPANY_MISMATCH, STATE_INVALID } from '../src/whop/error-codes.js';
import { Browser, startApp, type TestApp } from './support/app.js';
import { BASE } from './support/whop.js';

describe('binding', () => {
  describe('bindState', () => {
    it('sends the handle alone without a company, as passport-oauth2 does', () =>
      expect(bindState('h4ndle', undefined, 'key')).to.equal('h4ndle'));
    it('adds the company and its signature after the handle', () =>
      expect(bindState('h4ndle', 'biz_a1', 'key')).to.match(/^h4ndle\.biz_a1\.[\w-]{22}$/));
  });

  describe('unbindState', () => {
    it('gives back the handle and the company', () => {
      const returned = unbindState(bindState('h.with.dots', 'biz_a1', 'key'));
      expect(returned).to.include({ handle: 'h.with.dots', company: 'biz_a1' });
      expect(isSigned(returned, 'key')).to.equal(true);
    });
    it('takes a state without a company as all handle', () =>
      expect(unbindState('h4ndle.biz_a1')).to.deep.equal({ handle: 'h4ndle.biz_a1' }));
  });

  describe('isSigned', () => {
    const signed = bindState('h4ndle', 'biz_a1', 'key');
    it('refuses another key', () => expect(isSigned(unbindState(signed), 'other')).to.equal(false));
    it('refuses another company', () =>
      expect(isSigned(unbindState(signed.replace('biz_a1', 'biz_b2')), 'key')).to.equal(false));
    it('refuses the signature moved to another handle', () =>
      expect(isSigned(unbindState(`other${signed.slice(6)}`), 'key')).to.equal(false));
  });

  describe('nonceOf', () => {
    it('is neither the verifier nor its S256 challenge', () => {
      const verifier = 'v'.repeat(43);
      expect(nonceOf(verifier))
        .to.match(/^[\w-]{43}$/)
        .and.not.equal(verifier);
      expect(nonceOf(verifier)).to.not.equal('AH2qUjrGkRBaMcXW1gmEiyJjSp1GCnvwHnpL1rzzhGQ');
    });
  });

  describe('a company login whose state comes back changed', () => {
    let app: TestApp;
    let browser: Browser;
    let state: string;
    beforeEach(async () => {
      app = await startApp(new WhopStrategy({ ...BASE, scope: 'biz_asked1' }, async () => false));
      browser = new Browser(app.url);
      state = (await browser.startLogin('/auth/whop')).state!;
    });
    afterEach(() => app.close());

    it('sends the company signed after the handle', () =>
      expect(state).to.match(/^\w{24}\.biz_asked1\.[\w-]{22}$/));
    it('fails with WHOP_STATE_INVALID when the company was swapped', async () => {
      const outcome = await browser.check({
        code: 'code_swapped',
        state: state.replace('biz_asked1', 'biz_other2'),
        scope: 'biz_other2',
      });
      expect(outcome.status).to.equal(403);
      expect(outcome.info).to.deep.equal({
        message: 'The login state was changed on its way back from Whop: start the login again',
        code: STATE_INVALID,
      });
    });
    it('checks against the strategy company when the company was cut off', async () => {
      const outcome = await browser.check({
        code: 'code_cut',
        state: state.split('.')[0]!,
        scope: 'biz_other2',
      });
      expect(outcome.info).to.deep.equal({
        message: 'Whop returned to a login for company biz_other2, but biz_asked1 was requested',
        code: COMPANY_MISMATCH,
      });
    });
  });
});

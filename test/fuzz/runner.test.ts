import { expect } from 'chai';
import fc from 'fast-check';
import { assertProperty } from '../support/fuzz.js';

// The runner itself: a case that outlives its seed's share of time must still finish before the
// next case starts, or the next case sees its requests (the shared fake Whop counted a code
// exchanged twice that way, in about one run in fifteen).

describe('fuzz: the runner', () => {
  describe('when a case runs past its property time limit', () => {
    let running: number;
    let most: number;
    let startedCases: number;
    let runningAfter: number;
    before(async () => {
      running = 0;
      most = 0;
      startedCases = 0;
      // The second case of each seed outlasts the limit (50 ms) by far; the others are instant.
      await assertProperty(
        fc.asyncProperty(fc.nat(), async () => {
          startedCases += 1;
          running += 1;
          most = Math.max(most, running);
          if (startedCases % 2 === 0) await new Promise((resolve) => setTimeout(resolve, 200));
          running -= 1;
        }),
        10,
        50,
      );
      runningAfter = running;
    });

    it('never runs two cases at once', () => expect(most).to.equal(1));
    it('leaves no case running when the property is done', () => expect(runningAfter).to.equal(0));
  });
});

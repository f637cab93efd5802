// Mocha root hooks (.mocharc `require`): what every test file shares.
import { forgetProcessCodes } from '../../src/stores/codes.js';

export const mochaHooks = {
  // The strategies of one process share one code record (src/stores/codes.ts); each test stands for a
  // fresh process, so codes such as `code_1` can be reused from test to test.
  beforeEach(): void {
    forgetProcessCodes();
  },
};

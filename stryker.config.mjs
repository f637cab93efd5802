// Mutation testing of the security-relevant modules: `npm run mutation` (slow: not part of
// `npm test`). Each mutant runs only the tests that cover it (perTest coverage). The score of the
// last run, per module, is in docs/security.md ("Mutation testing"); the report goes to
// reports/mutation/. To look at one module, or at more of them:
//   npx stryker run --mutate src/whop/scrub.ts
//   npx stryker run --mutate src/whop/id-token.ts,src/stores/cookie-state-store.ts
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  // The tests are TypeScript, run by tsx as in .mocharc.json.
  testRunnerNodeArgs: ['--import', 'tsx'],
  mochaOptions: {
    // The tests of these modules; the slow suites (fuzz, e2e, hosts, docs) are left out.
    spec: [
      'test/redact.test.ts',
      'test/scrub.test.ts',
      'test/scrub-login.test.ts',
      'test/http.test.ts',
      'test/check-access.test.ts',
      'test/refresh.test.ts',
      'test/revoke.test.ts',
      'test/fuzz/found.test.ts',
    ],
  },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/whop/scrub.ts',
    'src/whop/redact.ts',
    'src/whop/text.ts',
    'src/whop/errors.ts',
    // Whop's failed answers: reading them and the errors made of them.
    'src/whop/answers.ts',
    'src/whop/answer-errors.ts',
    // The request's secrets and what counts as success; a strategy's parseErrorResponse.
    'src/whop/http.ts:77-101',
    'src/whop/token-request.ts:19-30',
    // The access check's request and its errors.
    'src/whop/access.ts:132-187',
  ],
  // Module-level constants would need every test for each mutant.
  ignoreStatic: true,
  ignorePatterns: ['dist', 'docs/api', 'test-results', 'reports', 'bench', 'examples'],
  // A busy machine: two runners.
  concurrency: 2,
  timeoutMS: 10000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};

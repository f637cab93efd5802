import { defineConfig } from 'tsup';

// The CommonJS build (.cjs, .d.cts); scripts/esm-wrappers.js then adds the ES module entries
// (.js, .d.ts) that re-export it, so both module systems share one copy of the code.
export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  // No source maps: the tarball ships dist/ only, and the build is plain, unminified JavaScript.
  sourcemap: false,
  splitting: false,
});

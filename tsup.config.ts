import { defineConfig } from 'tsup';

// One build, both module systems: ESM (.js) and CommonJS (.cjs), each with its own .d.ts.
export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
  splitting: false,
});

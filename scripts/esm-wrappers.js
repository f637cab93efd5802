// The ES module entries re-export the CommonJS build, so an app that loads this package both
// ways (its own `import`, a dependency's `require`) shares one WhopStrategy class, one code
// record and one table of refreshes in flight: Node's "ES module wrapper" pattern.
import { writeFile } from 'node:fs/promises';

for (const entry of ['index', 'testing/index']) {
  const line = `export * from './index.cjs';\n`;
  await writeFile(new URL(`../dist/${entry}.js`, import.meta.url), line);
  await writeFile(new URL(`../dist/${entry}.d.ts`, import.meta.url), line);
}

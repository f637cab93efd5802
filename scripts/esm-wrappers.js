// The ES module entries load the CommonJS build through `createRequire` and export its names one
// by one, so an app that loads this package both ways (its own `import`, a dependency's `require`)
// shares one WhopStrategy class, one code record and one table of refreshes in flight: no
// dual-package hazard. Through `require` rather than `export * from './index.cjs'`: Node then
// loads the CommonJS build as `require('passport-whop')` does, without the ES module loader's
// translation of every module it requires, which made `import` twice as slow as `require`
// (`npm run bench` measures both against passport-oauth2).
import { createRequire } from 'node:module';
import { writeFile } from 'node:fs/promises';

const require = createRequire(import.meta.url);

for (const entry of ['index', 'testing/index']) {
  const names = Object.keys(require(`../dist/${entry}.cjs`)).sort();
  if (names.includes('default')) throw new Error(`dist/${entry}.cjs exports a default`);
  const wrapper = [
    `import { createRequire } from 'node:module';`,
    ``,
    `const commonjs = createRequire(import.meta.url)('./index.cjs');`,
    ``,
    ...names.map((name) => `export const ${name} = commonjs.${name};`),
    ``,
  ].join('\n');
  await writeFile(new URL(`../dist/${entry}.js`, import.meta.url), wrapper);
  await writeFile(
    new URL(`../dist/${entry}.d.ts`, import.meta.url),
    `export * from './index.cjs';\n`,
  );
}

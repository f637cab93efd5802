import { expect } from 'chai';
import { readFileSync } from 'node:fs';

// docs/hosts.md shows each host's example as the complete app the host tests run: the same text.
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** The text of each ```ts block of a Markdown page. */
const tsBlocks = (markdown: string) =>
  [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(([, code]) => code);

describe('docs/hosts.md', () => {
  const blocks = tsBlocks(read('docs/hosts.md'));

  for (const file of ['nestjs', 'fastify', 'koa', 'nestjs-app', 'fastify-app', 'koa-app']) {
    it(`shows examples/hosts/${file}.ts as it is`, () =>
      expect(blocks).to.include(read(`examples/hosts/${file}.ts`)));
  }
});

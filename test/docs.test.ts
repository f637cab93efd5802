// The docs cannot drift from the API: every TypeScript block in README.md, CONTRIBUTING.md and
// docs/ type-checks against the built package, the blocks marked runnable log in against the mock
// Whop, and every relative link lands on a file and heading that exist. Conventions: CONTRIBUTING.md.
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MOCK_USER } from '../src/testing/index.js';
import {
  anchors,
  docFiles,
  readBlocks,
  readLinks,
  resolveLink,
  ROOT,
  type DocBlock,
} from './support/doc-blocks.js';
import {
  freePort,
  logInThrough,
  runNode,
  typeCheck,
  type RunResult,
  waitForApp,
  writeBlocks,
} from './support/doc-runner.js';

const files = docFiles();
const blocks = files.flatMap(readBlocks);
const where = (block: DocBlock) => `${block.file}:${block.line}`;
const isTypeScript = (block: DocBlock) => block.lang === 'ts' || block.lang === 'typescript';
const isJavaScript = (block: DocBlock) => block.lang === 'js' || block.lang === 'javascript';

/** Run a `<!-- runnable: server -->` block with WHOP_MOCK=1, log in, resolve the home page. */
async function runServer(path: string, pages: readonly string[] = []): Promise<string> {
  const port = await freePort();
  const app = runNode(['--import', 'tsx', path], {
    PORT: String(port),
    SESSION_SECRET: 'a0'.repeat(32),
    WHOP_MOCK: '1',
    WHOP_CLIENT_ID: '',
    WHOP_CLIENT_SECRET: '',
  });
  try {
    const base = `http://localhost:${port}`;
    await waitForApp(base, app.done);
    return await logInThrough(base, pages);
  } finally {
    app.kill();
    await app.done;
  }
}

/** Run a `<!-- runnable: mocha -->` block under mocha. */
function runMocha(path: string): Promise<RunResult> {
  return runNode([join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'), path]).done;
}

/** A promise's outcome, held so that no rejection goes unhandled before a test awaits it. */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
async function unwrap<T>(settled: Promise<Settled<T>> | undefined): Promise<T> {
  const outcome = await settled!;
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

describe('the docs', () => {
  const servers = blocks.filter((block) => block.run === 'server');
  const suites = blocks.filter((block) => block.run === 'mocha');
  let paths: Map<DocBlock, string>;
  const logins = new Map<DocBlock, Promise<Settled<string>>>();
  const suiteRuns = new Map<DocBlock, Promise<Settled<RunResult>>>();

  before(() => {
    if (!existsSync(join(ROOT, 'dist', 'index.d.ts'))) {
      throw new Error('the docs are checked against the built package: run npm run build first');
    }
    paths = writeBlocks(blocks);
    // The mocha blocks start now, each in a process of its own, while the type-check runs.
    for (const block of suites) suiteRuns.set(block, settle(runMocha(paths.get(block)!)));
  });

  describe('their TypeScript blocks', () => {
    it('are found', () => expect(blocks.filter(isTypeScript)).to.have.length.above(10));
    it('type-check (strict) against the built package', function () {
      this.timeout(300_000); // a loaded 2-core machine takes minutes
      expect(typeCheck(paths).join('\n')).to.equal('');
    });
  });

  describe('their JavaScript blocks', () => {
    // A runnable one is a server: it runs below instead.
    for (const block of blocks.filter((b) => isJavaScript(b) && b.run === undefined)) {
      it(`run as CommonJS (${where(block)})`, async function () {
        this.timeout(30_000);
        const { code, output } = await runNode([paths.get(block)!]).done;
        expect({ code, output }).to.deep.equal({ code: 0, output: '' });
      });
    }
  });

  describe('their JSON blocks', () => {
    for (const block of blocks.filter((b) => b.lang === 'json')) {
      it(`parse (${where(block)})`, () => expect(() => JSON.parse(block.code)).to.not.throw());
    }
  });

  describe('their runnable server blocks', () => {
    // Started once the type-check is done: it holds this process's event loop for a minute or
    // two on a loaded machine, and the servers' logins are timed from here. Together, each in a
    // process of its own.
    before(() => {
      for (const block of servers)
        logins.set(block, settle(runServer(paths.get(block)!, block.pages)));
    });

    it('include the README example', () =>
      expect(servers.map((block) => block.file)).to.include('README.md'));
    for (const block of servers) {
      it(`log the mock user in with WHOP_MOCK=1 (${where(block)})`, async function () {
        this.timeout(240_000);
        expect(await unwrap(logins.get(block))).to.contain(MOCK_USER.id);
      });
    }
  });

  describe('their runnable mocha blocks', () => {
    it('include the testing guide', () =>
      expect(suites.map((block) => block.file)).to.include('docs/testing.md'));
    for (const block of suites) {
      it(`pass under mocha (${where(block)})`, async function () {
        this.timeout(240_000);
        const { code, output } = await unwrap(suiteRuns.get(block));
        expect(code, output).to.equal(0);
        expect(output).to.match(/\d+ passing/);
      });
    }
  });

  describe('their relative links', () => {
    for (const file of files) {
      it(`land on a file and heading that exist (${file})`, () => {
        const broken = readLinks(file).filter((link) => {
          const { path, anchor } = resolveLink(link);
          if (!existsSync(join(ROOT, path))) return true;
          return anchor !== undefined && path.endsWith('.md') && !anchors(path).has(anchor);
        });
        expect(broken.map((link) => `${link.file}:${link.line}: ${link.target}`)).to.deep.equal([]);
      });
    }
  });

  describe('the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    it('stays the quick path (at most 300 lines)', () =>
      expect(readme.split('\n').length).to.be.at.most(300));
  });
});

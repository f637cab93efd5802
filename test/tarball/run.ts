// The tarball test (`npm run test:tarball`, part of `npm test`): what `npm publish` would ship,
// checked as users get it. `npm pack` (prepack builds), publint and attw on the tarball, then for
// npm and for pnpm without hoisting: a throwaway app that installs the tarball beside `redis@3`,
// type-checks and compiles app/login.ts as CommonJS and as an ES module, and runs both logins.
// Needs the npm registry (installs prefer the cache). Keeps the app's folder when a step fails.
import { execFile } from 'node:child_process';
import {
  access,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const APP = join(import.meta.dirname, 'app');
const BIN = join(ROOT, 'node_modules/.bin');

/** What the app installs beside the package: the versions this repo tests with, plus redis@3. */
const APP_DEPENDENCIES = [
  'express',
  'express-session',
  'passport',
  '@types/express',
  '@types/express-session',
  '@types/passport',
  '@types/node',
];

// pnpm's strictest layout: every package sees only what it declares (no hoisting at all).
const PNPM_WORKSPACE = 'nodeLinker: isolated\nhoist: false\npublicHoistPattern: []\n';

class StepError extends Error {}

/** Runs one step; on failure, says which and prints its output. */
async function step(name: string, command: string, args: string[], cwd: string): Promise<string> {
  const started = Date.now();
  try {
    const { stdout } = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    console.log(`  ✔ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new StepError(
      `✖ ${name} failed: ${command} ${args.join(' ')} (in ${cwd})\n${stdout}\n${stderr}`,
    );
  }
}

async function versionIn(dir: string, name: string): Promise<string> {
  const manifest = join(dir, 'node_modules', name, 'package.json');
  return (JSON.parse(await readFile(manifest, 'utf8')) as { version: string }).version;
}

/** The app's folder: package.json, the login twice (one per module system), tsconfig. */
async function writeApp(dir: string): Promise<void> {
  await writeFile(join(dir, 'package.json'), '{ "name": "tarball-app", "private": true }\n');
  await copyFile(join(APP, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  for (const [folder, type] of [
    ['cjs', 'commonjs'],
    ['esm', 'module'],
  ]) {
    await mkdir(join(dir, folder));
    await writeFile(join(dir, folder, 'package.json'), `{ "type": "${type}" }\n`);
    await copyFile(join(APP, 'login.ts'), join(dir, folder, 'login.ts'));
  }
}

/**
 * Under pnpm without hoisting, the package sees only what it declares: each package its type
 * declarations import must sit beside it (the app's own `@types/express` would otherwise hide a
 * missing dependency from tsc, which walks up to the app's node_modules).
 */
async function checkDeclarationImports(dir: string): Promise<void> {
  const installed = await realpath(join(dir, 'node_modules/passport-whop'));
  const beside = resolve(installed, '..');
  const files = (await readdir(join(installed, 'dist'), { recursive: true })).filter((file) =>
    /\.d\.c?ts$/.test(file),
  );
  const missing = new Set<string>();
  for (const file of files) {
    // Without the TSDoc comments, whose examples import packages too.
    const text = (await readFile(join(installed, 'dist', file), 'utf8')).replace(
      /\/\*[\s\S]*?\*\//g,
      '',
    );
    for (const [, specifier] of text.matchAll(/(?:from|import\()\s*'([^'.][^']*)'/g)) {
      if (specifier!.startsWith('node:')) continue;
      const parts = specifier!.split('/');
      const name = parts.slice(0, specifier!.startsWith('@') ? 2 : 1).join('/');
      const types = `@types/${name.replace(/^@(.*)\//, '$1__')}`;
      const found = await Promise.any(
        [name, types].map((candidate) => access(join(beside, candidate, 'package.json'))),
      ).then(
        () => true,
        () => false,
      );
      if (!found) missing.add(`${name} (imported by dist/${file})`);
    }
  }
  if (missing.size > 0) {
    throw new StepError(`✖ not among the package's dependencies: ${[...missing].join(', ')}`);
  }
  console.log(`  ✔ every package the declarations import is a dependency`);
}

async function checkApp(dir: string, manager: 'npm' | 'pnpm', tarball: string): Promise<void> {
  await mkdir(dir);
  await writeApp(dir);
  const specs = await Promise.all(
    APP_DEPENDENCIES.map(async (name) => `${name}@${await versionIn(ROOT, name)}`),
  );
  const packages = [tarball, ...specs, 'redis@3'];
  if (manager === 'npm') {
    const flags = ['--prefer-offline', '--no-audit', '--no-fund'];
    await step('npm install', 'npm', ['install', ...flags, ...packages], dir);
  } else {
    await writeFile(join(dir, 'pnpm-workspace.yaml'), PNPM_WORKSPACE);
    await step(
      'pnpm add (no hoisting)',
      join(BIN, 'pnpm'),
      ['add', '--prefer-offline', ...packages],
      dir,
    );
    await checkDeclarationImports(dir);
  }
  const redis = await versionIn(dir, 'redis');
  if (!redis.startsWith('3.')) throw new StepError(`✖ the app has redis ${redis}, not redis@3`);
  await step('tsc (strict, node16, skipLibCheck false)', join(BIN, 'tsc'), ['-p', '.'], dir);
  for (const folder of ['cjs', 'esm']) {
    const out = await step(`login from ${folder}`, process.execPath, [`${folder}/login.js`], dir);
    const seen = JSON.parse(out) as {
      system: string;
      expected: string;
      legacy: { id: string };
      oauth21: { id: string; sub?: string };
    };
    const system = folder === 'cjs' ? 'commonjs' : 'module';
    const ok =
      seen.system === system &&
      seen.legacy.id === seen.expected &&
      seen.oauth21.id === seen.expected &&
      seen.oauth21.sub === seen.expected;
    if (!ok) throw new StepError(`✖ login from ${folder} saw ${out.trim()}`);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const work = await mkdtemp(join(tmpdir(), 'passport-whop-tarball-'));
  try {
    console.log(`tarball test in ${work}`);
    // With its scripts: prepack builds, as it does for `npm publish`.
    await step('npm pack', 'npm', ['pack', '--pack-destination', work], ROOT);
    const tarball = join(
      work,
      (await readdir(work)).find((name) => name.endsWith('.tgz'))!,
    );
    await step('publint --strict', join(BIN, 'publint'), ['--strict', tarball], ROOT);
    await step('attw, every profile', join(BIN, 'attw'), [tarball], ROOT);
    for (const manager of ['npm', 'pnpm'] as const) {
      console.log(`${manager}:`);
      await checkApp(join(work, manager), manager, tarball);
    }
    await rm(work, { recursive: true, force: true });
    console.log(`tarball test passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } catch (error) {
    console.error(error instanceof StepError ? error.message : error);
    console.error(`tarball test FAILED; its files are kept in ${work}`);
    process.exitCode = 1;
  }
}

await main();

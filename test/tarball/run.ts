// The tarball test (`npm run test:tarball`, part of `npm test`): what `npm publish` would ship,
// checked as users get it. `npm pack` (prepack builds), publint and attw on the tarball, then for
// npm, pnpm without hoisting and Yarn Plug'n'Play: a throwaway app that already has `redis@3`
// runs the README's install lines (the tarball in place of `passport-whop`; ./install.ts),
// type-checks app/login.ts (strict; node16, and bundler resolution), compiles it as CommonJS and
// as an ES module, and runs both logins with plain node (`yarn node` under PnP). Needs the npm
// registry (installs prefer the cache). Keeps the app's folder when a step fails.
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
import {
  appCommand,
  installCommands,
  PNPM_WORKSPACE,
  readInstallLines,
  YARNRC,
  type Manager,
} from './install.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const APP = join(import.meta.dirname, 'app');
const BIN = join(ROOT, 'node_modules/.bin');

class StepError extends Error {}

/** Runs one step; on failure, says which and prints its output. */
async function step(
  name: string,
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<string> {
  const started = Date.now();
  try {
    const { stdout } = await run(command, [...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
    console.log(`  ✔ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new StepError(
      `✖ ${name} failed: ${command} ${args.join(' ')} (in ${cwd})\n${stdout}\n${stderr}`,
    );
  }
}

/** The app's folder: package.json, the login twice (one per module system), tsconfig. */
async function writeApp(dir: string): Promise<void> {
  // An app that already has redis@3: the package must install beside it (no peer conflict).
  const manifest = { name: 'tarball-app', private: true, dependencies: { redis: '^3.1.2' } };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const config of ['tsconfig.json', 'tsconfig.bundler.json'])
    await copyFile(join(APP, config), join(dir, config));
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

async function install(dir: string, manager: Manager, tarball: string): Promise<void> {
  if (manager === 'pnpm') await writeFile(join(dir, 'pnpm-workspace.yaml'), PNPM_WORKSPACE);
  if (manager === 'yarn') {
    await writeFile(join(dir, '.yarnrc.yml'), YARNRC);
    await writeFile(join(dir, 'yarn.lock'), '');
  }
  const commands = installCommands(manager, await readInstallLines(), tarball);
  for (const [index, { command, args }] of commands.entries())
    await step(`README install line ${index + 1}`, command, args, dir);
  if (manager === 'pnpm') await checkDeclarationImports(dir);
}

async function checkApp(dir: string, manager: Manager, tarball: string): Promise<void> {
  await mkdir(dir);
  await writeApp(dir);
  await install(dir, manager, tarball);
  const redis = JSON.parse(
    await step(
      'redis version',
      ...nodeEval(manager, dir, "require('redis/package.json').version"),
      dir,
    ),
  ) as string;
  if (!redis.startsWith('3.')) throw new StepError(`✖ the app has redis ${redis}, not redis@3`);
  const tsc = (args: string[]) => appCommand(manager, dir, 'tsc', args);
  const node16 = tsc(['-p', '.']);
  await step('tsc (strict, node16, skipLibCheck false)', node16.command, node16.args, dir);
  const bundler = tsc(['-p', 'tsconfig.bundler.json']);
  await step('tsc (strict, bundler, skipLibCheck false)', bundler.command, bundler.args, dir);
  for (const folder of ['cjs', 'esm']) {
    const { command, args } = appCommand(manager, dir, 'node', [`${folder}/login.js`]);
    const out = await step(`login from ${folder}`, command, args, dir);
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

/** `node -p <expression>` in the app, as the manager runs node. */
function nodeEval(manager: Manager, dir: string, expression: string): [string, string[]] {
  const { command, args } = appCommand(manager, dir, 'node', [
    '-p',
    `JSON.stringify(${expression})`,
  ]);
  return [command, [...args]];
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
    for (const manager of ['npm', 'pnpm', 'yarn'] as const) {
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

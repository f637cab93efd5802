// How the tarball test installs the package: exactly the README's install lines, translated for
// each package manager, with the packed tarball in place of `passport-whop`.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export type Manager = 'npm' | 'pnpm' | 'yarn';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'node_modules/.bin');

/** One install command: the program, its arguments, and what it is for. */
export interface Command {
  readonly command: string;
  readonly args: readonly string[];
}

/** What the README's "Install" section tells users to run, and its note for Yarn PnP. */
export interface InstallLines {
  /** Each `npm install ...` line, as the packages it installs and whether they are dev ones. */
  readonly lines: readonly { readonly dev: boolean; readonly packages: readonly string[] }[];
  /** The TypeScript the README names for Yarn Plug'n'Play (`typescript@6`). */
  readonly yarnTypeScript: string;
}

export async function readInstallLines(): Promise<InstallLines> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = /^## Install\n[\s\S]*?```sh\n([\s\S]*?)```/m.exec(readme)?.[1];
  if (section === undefined) throw new Error("README.md has no sh block under '## Install'");
  const lines = section
    .split('\n')
    .filter((line) => line.startsWith('npm install '))
    .map((line) => {
      const words = line.split(/\s+/).slice(2).filter(Boolean);
      return {
        dev: words.includes('--save-dev'),
        packages: words.filter((word) => !word.startsWith('-')),
      };
    });
  const yarnTypeScript = /Yarn Plug'n'Play[^\n]*?`(typescript@\d+)`/.exec(section)?.[1];
  if (lines.length === 0 || yarnTypeScript === undefined)
    throw new Error("README.md's install block lost its npm lines or its Yarn PnP TypeScript");
  return { lines, yarnTypeScript };
}

// pnpm's strictest layout: every package sees only what it declares (no hoisting at all). The app
// runs no install scripts (tsx's esbuild has one, which pnpm refuses to run without approval).
export const PNPM_WORKSPACE =
  'nodeLinker: isolated\nhoist: false\npublicHoistPattern: []\nstrictDepBuilds: false\n';
// Yarn Plug'n'Play from the npm registry (Yarn's default registry name is another host).
export const YARNRC =
  'nodeLinker: pnp\nnpmRegistryServer: "https://registry.npmjs.org"\nenableTelemetry: false\n';

const YARN = join(ROOT, 'node_modules/@yarnpkg/cli-dist/bin/yarn.js');

/** Runs `args` with the manager's own binary (Yarn from the `@yarnpkg/cli-dist` dev dependency). */
export function managerCommand(manager: Manager, args: readonly string[]): Command {
  if (manager === 'yarn') return { command: process.execPath, args: [YARN, ...args] };
  if (manager === 'pnpm') return { command: join(BIN, 'pnpm'), args };
  return { command: 'npm', args };
}

/** The README's lines as `manager` runs them, with `tarball` in place of `passport-whop`. */
export function installCommands(
  manager: Manager,
  { lines, yarnTypeScript }: InstallLines,
  tarball: string,
): Command[] {
  return lines.map(({ dev, packages }) => {
    const named = packages.map((name) => {
      if (name === 'passport-whop')
        return manager === 'yarn' ? `passport-whop@file:${tarball}` : tarball;
      return manager === 'yarn' && name === 'typescript' ? yarnTypeScript : name;
    });
    if (manager === 'npm')
      return managerCommand(manager, [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        ...(dev ? ['--save-dev'] : []),
        ...named,
      ]);
    const flags = manager === 'pnpm' ? ['--prefer-offline'] : [];
    return managerCommand(manager, ['add', ...flags, ...(dev ? ['-D'] : []), ...named]);
  });
}

/** How the app runs a program under the manager: under Yarn PnP, through `yarn node`/`yarn tsc`. */
export function appCommand(
  manager: Manager,
  dir: string,
  program: 'node' | 'tsc',
  args: readonly string[],
): Command {
  if (manager === 'yarn') return managerCommand('yarn', [program, ...args]);
  if (program === 'node') return { command: process.execPath, args };
  return { command: join(dir, 'node_modules/.bin/tsc'), args };
}

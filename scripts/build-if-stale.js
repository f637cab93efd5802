// `npm run demo` (and anything else that only needs a current dist/): builds the package only when
// dist/ is missing a file or is older than what it is built from, so a second start skips the
// ~10 s type-declaration build. `npm run build`, `prepack` and `npm test` always build.
import { spawnSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';

const ROOT = new URL('../', import.meta.url);
/** What the build writes (tsup.config.ts, scripts/esm-wrappers.js). */
const OUTPUTS = ['index', 'testing/index'].flatMap((entry) =>
  ['.cjs', '.d.cts', '.js', '.d.ts'].map((ext) => `dist/${entry}${ext}`),
);
/** What the build reads. */
const INPUTS = ['tsup.config.ts', 'scripts/esm-wrappers.js', 'package.json', 'tsconfig.json'];

async function mtime(path) {
  try {
    return (await stat(new URL(path, ROOT))).mtimeMs;
  } catch {
    return undefined;
  }
}

async function newestInput() {
  const sources = await readdir(new URL('src/', ROOT), { recursive: true });
  const paths = [...INPUTS, ...sources.map((file) => `src/${file}`)];
  return Math.max(...(await Promise.all(paths.map(mtime))).map((time) => time ?? 0));
}

const built = await Promise.all(OUTPUTS.map(mtime));
const stale = built.includes(undefined)
  ? 'dist/ is incomplete'
  : Math.min(...built) < (await newestInput())
    ? 'its sources changed since the last build'
    : undefined;
if (stale) {
  console.log(`Building the package: ${stale}.`);
  const { status } = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: ROOT });
  process.exitCode = status ?? 1;
}

// Compiles and runs the code blocks of the docs, for test/docs.test.ts (conventions: CONTRIBUTING.md).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import ts from 'typescript';
import { consent } from '../../src/testing/consent.js';
import { ROOT, type DocBlock } from './doc-blocks.js';

/** Where the blocks are written: inside the repository, so `passport-whop` is the built package. */
export const BLOCK_DIR = join(ROOT, 'test-results', 'doc-blocks');

/**
 * `./users.js` beside the blocks: the user store a guide's block imports (`import { users } from
 * './users.js'`), in memory here, your database in an app. Written as a file, not declared as a
 * global, so that every block says where each thing it uses comes from, and runnable ones run.
 */
const USERS_MODULE = `// Your user store, as the guides use it: in memory here, your database in an app.
export interface User {
  id: string;
  whop: { accessToken?: string; refreshToken?: string; expiresAt?: number; company?: string };
}

const byId = new Map<string, User>();

export const users = {
  /** The user with this Whop ID, created on first login, with data merged in. */
  async upsert(whopId: string, data: Partial<User> = {}): Promise<User> {
    const user: User = { id: whopId, whop: { ...byId.get(whopId)?.whop, ...data.whop } };
    byId.set(whopId, user);
    return user;
  },
  async get(id: string): Promise<User> {
    const user = byId.get(id);
    if (!user) throw new Error(\`No user \${id}\`);
    return user;
  },
  async update(id: string, data: Partial<User>): Promise<void> {
    await this.upsert(id, data);
  },
};
`;

/** The compiler options of a strict TypeScript app; decorators as NestJS needs them. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: ['node', 'mocha'],
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    noEmit: true,
  },
};

/** A block's file name: where it comes from, readable in a stack trace. */
export function blockFileName(block: DocBlock): string {
  const ext = { ts: 'ts', typescript: 'ts', js: 'cjs', javascript: 'cjs' }[block.lang] ?? 'txt';
  return `${block.file.replace(/[/\\.]/g, '_')}_L${block.line}.${ext}`;
}

/** Write the blocks (and the globals and tsconfig) to BLOCK_DIR; return each block's path. */
export function writeBlocks(blocks: readonly DocBlock[]): Map<DocBlock, string> {
  rmSync(BLOCK_DIR, { recursive: true, force: true });
  mkdirSync(BLOCK_DIR, { recursive: true });
  writeFileSync(join(BLOCK_DIR, 'users.ts'), USERS_MODULE);
  writeFileSync(join(BLOCK_DIR, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  const paths = new Map<DocBlock, string>();
  for (const block of blocks) {
    const path = join(BLOCK_DIR, blockFileName(block));
    // `export {}` makes each block a module of its own (top-level await, no shared names).
    const suffix = block.lang.startsWith('t') ? '\nexport {};\n' : '\n';
    writeFileSync(path, block.code + suffix);
    paths.set(block, path);
  }
  return paths;
}

/** Type-check the TypeScript blocks as one strict program; one line per error, at its doc line. */
export function typeCheck(paths: Map<DocBlock, string>): string[] {
  const config = ts.parseJsonConfigFileContent(TSCONFIG, ts.sys, BLOCK_DIR);
  const files = [...paths.values()].filter((path) => path.endsWith('.ts'));
  const program = ts.createProgram([join(BLOCK_DIR, 'users.ts'), ...files], config.options);
  const byPath = new Map([...paths].map(([block, path]) => [path, block]));
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const file = diagnostic.file;
    const block = file && byPath.get(file.fileName);
    if (!file || !block) return `TS${diagnostic.code}: ${message}`;
    const { line } = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    return `${block.file}:${block.line + line}: TS${diagnostic.code}: ${message}`;
  });
}

export interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

/** Run `node args` in the repository, with the blocks' tsconfig for tsx; resolves on exit. */
export function runNode(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): { done: Promise<RunResult>; kill(): void } {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(BLOCK_DIR, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<RunResult>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
  return { done, kill: () => child.kill('SIGKILL') };
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The cookies a browser would keep for one site. */
class CookieJar {
  readonly #cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      if (at > 0) this.#cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1));
    }
  }
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * Log in through a running example app as a browser would: `GET /auth/whop`, approve on the mock
 * Whop's consent page, follow the callback's redirects, then `GET` each of `pages` (each must
 * answer 200, after redirects within the app) and `GET /`. Resolves that page's body.
 */
export async function logInThrough(base: string, pages: readonly string[] = []): Promise<string> {
  const jar = new CookieJar();
  const get = async (url: string): Promise<Response> => {
    const response = await fetch(url, { headers: { cookie: jar.header() }, redirect: 'manual' });
    jar.take(response);
    return response;
  };
  const start = await get(`${base}/auth/whop`);
  const authorize = start.headers.get('location');
  if (start.status !== 302 || authorize === null) {
    throw new Error(`GET /auth/whop answered ${start.status}, not a redirect to Whop`);
  }
  let next: string | null = await consent(new URL(authorize).origin, authorize, 'approve');
  for (let hops = 0; next !== null && hops < 5; hops++) {
    const url = new URL(next, base);
    if (url.origin !== new URL(base).origin) break;
    const response = await get(url.href);
    if (response.status >= 400) {
      throw new Error(`GET ${url.pathname} answered ${response.status}: ${await response.text()}`);
    }
    next =
      response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
  }
  for (const page of pages) {
    let response = await get(new URL(page, base).href);
    for (let hops = 0; response.status >= 300 && response.status < 400 && hops < 5; hops++)
      response = await get(new URL(response.headers.get('location')!, base).href);
    if (response.status !== 200) {
      throw new Error(`GET ${page} answered ${response.status}: ${await response.text()}`);
    }
  }
  const home = await get(`${base}/`);
  return home.text();
}

/**
 * Poll `GET /` until the app answers, or fail when it exits first. Counted in attempts 200 ms
 * apart rather than by the clock: the type-check runs in this process meanwhile and holds its
 * event loop for tens of seconds on a loaded machine, which must not count against the app.
 */
export async function waitForApp(base: string, exited: Promise<RunResult>): Promise<void> {
  let gone: RunResult | undefined;
  void exited.then((result) => (gone = result));
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`The example exited (code ${gone.code}):\n${gone.output}`);
    try {
      await fetch(`${base}/`, { redirect: 'manual' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error('The example did not answer GET / within 150 s');
}

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export const REDIS_MISSING = 'redis-server not found: install it (apt-get install redis-server)';

/** A redis-server of its own for a test suite, on 127.0.0.1, with no persistence. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server and waits until it has exited; safe to call twice. */
  stop(): Promise<void>;
}

/** The path of `redis-server` on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * For a suite's `before`: the server's binary, or, when it is missing, a failure on CI
 * (`CI=true`) and a skip elsewhere.
 */
export function requireRedisServer(context: Mocha.Context): string {
  const binary = findRedisServer();
  if (binary) return binary;
  if (process.env.CI === 'true') throw new Error(REDIS_MISSING);
  console.warn('      skipped: redis-server not found (install it: apt-get install redis-server)');
  context.skip();
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether a Redis on `port` answers PING. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(reply.startsWith('+PONG')));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `binary` on a free loopback port in a temporary directory; resolves once it answers PING. */
export async function startRedisServer(binary: string): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'passport-whop-redis-'));
  const port = await freePort();
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const gone = exited(child);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      child.kill('SIGTERM');
      await gone;
      await rm(dir, { recursive: true, force: true });
    })());

  // Poll PING until it answers (redis-server has no readiness signal but its log).
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`redis-server exited before it answered PING:\n${output}`);
    }
    if (await ping(port)) break;
    if (attempt >= 200) {
      await stop();
      throw new Error(`redis-server did not answer PING on port ${port} within 10 s:\n${output}`);
    }
    await delay(50);
  }
  return { port, url: `redis://127.0.0.1:${port}`, stop };
}

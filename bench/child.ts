import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs the bench module `file` (a URL next to the caller's, `new URL('./x.ts', import.meta.url)`)
 * in a child process of its own, with this process's flags (tsx's loader among them) and
 * `--expose-gc` when asked, and resolves the one message it sends before it exits: its result,
 * or `{ error }`. For measurements that need a heap of their own, or a clean one.
 */
export function runChild<T>(
  file: URL,
  args: readonly string[] = [],
  { exposeGC = false }: { exposeGC?: boolean } = {},
): Promise<T> {
  const name = fileURLToPath(file).split('/').pop();
  const child = fork(fileURLToPath(file), args, {
    execArgv: exposeGC ? [...process.execArgv, '--expose-gc'] : process.execArgv,
  });
  return new Promise((resolve, reject) => {
    let answer: T | { error: string } | undefined;
    child.on('message', (message: T | { error: string }) => (answer = message));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (answer === undefined) reject(new Error(`${name} exited (${code}) without a result`));
      else if (typeof answer === 'object' && answer !== null && 'error' in answer)
        reject(new Error(`${name}: ${answer.error}`));
      else resolve(answer as T);
    });
  });
}

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CodeRecordHeap } from './code-record.js';

/**
 * The code record's heap, measured in a child process of its own: started with --expose-gc so
 * the measurement can collect garbage first, and with nothing else in its heap.
 */
export function measureCodeRecordHeap(): Promise<CodeRecordHeap> {
  const child = fork(fileURLToPath(new URL('./code-record.ts', import.meta.url)), {
    execArgv: [...process.execArgv, '--expose-gc'],
  });
  return new Promise((resolve, reject) => {
    let answer: CodeRecordHeap | { error: string } | undefined;
    child.on('message', (message: CodeRecordHeap | { error: string }) => (answer = message));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (answer && 'error' in answer) reject(new Error(`code record: ${answer.error}`));
      else if (answer) resolve(answer);
      else reject(new Error(`the code record process exited (${code}) without a result`));
    });
  });
}

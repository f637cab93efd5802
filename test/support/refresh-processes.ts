import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RefreshProcessConfig, RefreshProcessReport } from './refresh-process.js';

const SCRIPT = fileURLToPath(new URL('./refresh-process.ts', import.meta.url));

/** A running app process of `refresh-process.ts`. */
export class RefreshProcess {
  private readonly child: ChildProcess;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly exited: Promise<void>;
  private stderr = '';

  private constructor(config: RefreshProcessConfig) {
    this.child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
      env: { ...process.env, REFRESH_PROCESS: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.lines = createInterface({ input: this.child.stdout! });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.exited.then(() => {
      for (const waiter of this.waiting.splice(0))
        waiter(`exited: ${this.child.exitCode ?? this.child.signalCode} ${this.stderr}`);
    });
  }

  /** Start a process; resolves once it has connected to Redis and is ready. */
  static async start(config: RefreshProcessConfig): Promise<RefreshProcess> {
    const started = new RefreshProcess(config);
    const line = await started.nextLine();
    if (line !== 'ready') throw new Error(`the refresh process did not start: ${line}`);
    return started;
  }

  private nextLine(): Promise<string> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Make the process's concurrent refreshes start; returns what they settled with. */
  async refresh(refreshToken: string): Promise<RefreshProcessReport> {
    const report = this.nextLine();
    this.child.stdin!.write(`go ${refreshToken}\n`);
    const line = await report;
    try {
      return JSON.parse(line) as RefreshProcessReport;
    } catch {
      throw new Error(`the refresh process failed: ${line}`);
    }
  }

  /** Kill it at once (SIGKILL: no cleanup of its own), and wait until it is gone. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** End it; safe to call on a process already gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.stdin!.end();
    await this.exited;
  }
}

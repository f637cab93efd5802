// One login app in a process of its own, as a site runs it: several apps in one V8 isolate share
// its JIT and garbage collector, and the strategies' shapes would then slow down each other's
// calls into the code they share (passport-oauth2, passport, express).
import { startApp } from './app.js';
import { APPS, isAppName } from './catalog.js';

/** What the app process answers to 'report'. */
export interface AppReport {
  /** CPU time of this process so far, in microseconds. */
  readonly cpuMicros: number;
  readonly errors: string[];
}

const [name, whopURL] = process.argv.slice(2) as [string, string];
if (!isAppName(name)) throw new Error(`no login app is named ${name}`);
const app = await startApp((origin) => APPS[name].create(whopURL, origin));
process.on('message', (message) => {
  if (message !== 'report') return;
  const cpu = process.cpuUsage();
  const report: AppReport = {
    cpuMicros: cpu.user + cpu.system,
    errors: app.errors.map((error) => error.message),
  };
  process.send!(report);
});
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
process.send!({ url: app.url });

// The client side of the login benchmark, run in its own process (see driver.ts) so that its
// work never shares an event loop with the apps it measures.
import { Agent, request } from 'undici';
import { codeFor } from '../fake-whop-oidc.js';
import { CALLBACK_PATH, LOGIN_PATH } from '../paths.js';

/** Logins against one app: `count` of them, or as many as start within `durationMs`. */
export interface LoadJob {
  readonly base: string;
  readonly count?: number;
  readonly durationMs?: number;
  readonly concurrency: number;
  /** Codes are `${codePrefix}${i}`: unique across the whole run. */
  readonly codePrefix: string;
}

export interface LoadResult {
  readonly elapsedMs: number;
  /** Milliseconds for each successful login: the redirect and the callback. */
  readonly latencies: number[];
  readonly failures: number;
  readonly firstFailure?: string;
}

const dispatcher = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 30_000 });

function sessionCookie(setCookie: string | string[] | undefined): string {
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (!first) throw new Error('the redirect set no session cookie');
  return first.split(';', 1)[0]!;
}

/**
 * A browser's login: GET the redirect route, then the callback with the state and a new code
 * (which carries the OAuth 2.1 redirect's nonce and PKCE challenge: see codeFor).
 */
async function login(base: string, unique: string): Promise<number> {
  const start = performance.now();
  const redirect = await request(`${base}${LOGIN_PATH}`, { dispatcher });
  await redirect.body.dump();
  const location = redirect.headers.location;
  if (redirect.statusCode !== 302 || typeof location !== 'string') {
    throw new Error(`the login route answered ${redirect.statusCode}, not a redirect`);
  }
  const authorize = new URL(location);
  const state = authorize.searchParams.get('state');
  if (!state) throw new Error('the redirect carries no state');
  const query = new URLSearchParams({ code: codeFor(authorize, unique), state });
  const callback = await request(`${base}${CALLBACK_PATH}?${query}`, {
    dispatcher,
    headers: { cookie: sessionCookie(redirect.headers['set-cookie']) },
  });
  const body = await callback.body.text();
  if (callback.statusCode !== 200) {
    throw new Error(`the callback answered ${callback.statusCode}: ${body.slice(0, 200)}`);
  }
  return performance.now() - start;
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const count = job.count ?? Infinity;
  const deadline = performance.now() + (job.durationMs ?? Infinity);
  const worker = async () => {
    for (let i = next++; i < count && performance.now() < deadline; i = next++) {
      try {
        latencies.push(await login(job.base, `${job.codePrefix}${i}`));
      } catch (error) {
        failures += 1;
        firstFailure ??= (error as Error).message;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  const elapsedMs = performance.now() - start;
  return { elapsedMs, latencies, failures, ...(firstFailure && { firstFailure }) };
}

if (process.send) {
  // Several jobs at once: one for each app, all under load together.
  process.on('message', (jobs: LoadJob[]) => {
    Promise.all(jobs.map(runLoad)).then(
      (result) => process.send!(result),
      (error: Error) => process.send!({ error: error.message }),
    );
  });
  process.on('disconnect', () => void dispatcher.close());
}

// The fuzz suite's app and browser: an Express app with one or more Whop strategies, which
// records what each request parsed and how passport ended it; and a raw HTTP client that sends
// any query, body, Host and cookie, and gives up after a deadline.
import type { IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import {
  withParams,
  type WhopProfile,
  type WhopStrategy,
  type WhopTokenParams,
} from '../../src/index.js';

/** How passport ended a request (its custom callback's arguments), or what Express caught. */
export interface Outcome {
  readonly kind: 'success' | 'fail' | 'error';
  readonly error?: unknown;
  readonly info?: { readonly message?: unknown } & Record<string, unknown>;
  readonly status?: number;
  readonly user?: FuzzUser;
}

/** What the verify function makes of a login: what it was given. */
export interface FuzzUser {
  readonly id: string;
  readonly params: WhopTokenParams;
  readonly profile: WhopProfile | undefined;
}

/** What one request parsed, and how it ended. */
export interface Seen {
  readonly query: unknown;
  readonly body: unknown;
  outcome?: Outcome;
}

export interface FuzzAppOptions {
  /** Express's query parser: `simple` (node:querystring, its default) or `extended` (qs). */
  readonly parser: 'simple' | 'extended';
  /** Mount express-session (for the default state store). */
  readonly session: boolean;
  /** Trust X-Forwarded-* (Express's `trust proxy`). */
  readonly trustProxy?: boolean;
}

export interface FuzzApp {
  readonly url: string;
  /** What each request (by its `x-fuzz-id` header) parsed and how it ended. */
  readonly seen: Map<string, Seen>;
  /**
   * Waits for every callback passport is still handling to end, then closes the server: a login
   * that outlives its request (the browser gave up) must not spill into the next case. Rejects
   * when one has not ended within 10 s: a login that never ends is a failure in itself.
   */
  close(): Promise<void>;
}

/** How long `close()` waits for the callbacks still running. */
const SETTLE_MS = 10_000;

/** The callbacks passport is handling, and who waits for there to be none. */
class Running {
  private readonly ids = new Set<string>();
  private readonly waiting: (() => void)[] = [];

  start(id: string): void {
    this.ids.add(id);
  }

  end(id: string): void {
    if (!this.ids.delete(id) || this.ids.size > 0) return;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** Resolves once none is running; rejects, naming them, after `limitMs`. */
  async none(limitMs: number): Promise<void> {
    if (this.ids.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<void>((resolve) => this.waiting.push(resolve));
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new Error(`callbacks still running after ${limitMs} ms: ${[...this.ids].join(', ')}`),
        );
      }, limitMs);
    });
    try {
      await Promise.race([ended, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The verify function of every fuzz strategy: the user is what it was given. */
export const fuzzVerify = withParams(
  async (_accessToken, _refreshToken, params, profile): Promise<FuzzUser> => ({
    id: profile?.id ?? 'no profile',
    params,
    profile,
  }),
);

/**
 * An app as users write one: `/auth/<name>` starts a login, `/auth/<name>/callback` (GET, and
 * POST with a form or JSON body) finishes it with passport's custom callback.
 */
export async function startFuzzApp(
  strategies: readonly WhopStrategy[],
  options: FuzzAppOptions,
): Promise<FuzzApp> {
  const passport = new Passport();
  for (const strategy of strategies) passport.use(strategy.name, strategy);
  const seen = new Map<string, Seen>();
  const running = new Running();
  const app = express();
  app.set('query parser', options.parser);
  if (options.trustProxy) app.set('trust proxy', true);
  if (options.session)
    app.use(session({ secret: 'fuzz session secret', resave: false, saveUninitialized: false }));
  app.use(express.urlencoded({ extended: options.parser === 'extended' }));
  app.use(express.json());
  app.use(passport.initialize());
  app.use((req, _res, next) => {
    const id = req.headers['x-fuzz-id'];
    if (typeof id === 'string') seen.set(id, { query: req.query, body: req.body });
    next();
  });

  const record = (req: Request, outcome: Outcome) => {
    const id = String(req.headers['x-fuzz-id']);
    const entry = seen.get(id);
    if (entry) entry.outcome = outcome;
    running.end(id);
  };
  for (const strategy of strategies) {
    const name = strategy.name!;
    app.get(`/auth/${name}`, passport.authenticate(name, { session: false }));
    const callback = (req: Request, res: Response, next: NextFunction) => {
      const id = String(req.headers['x-fuzz-id']);
      running.start(id);
      // A redirect (no code: a new login) ends the request without passport's callback.
      res.on('finish', () => running.end(id));
      return passport.authenticate(
        name,
        { session: false },
        (error: unknown, user: FuzzUser | false, info: Outcome['info'], status?: number) => {
          if (error) {
            record(req, { kind: 'error', error });
            res.status(500).end();
          } else if (!user) {
            record(req, { kind: 'fail', info, status });
            res.status(status ?? 401).end();
          } else {
            record(req, { kind: 'success', user });
            res.status(200).end();
          }
        },
      )(req, res, next);
    };
    app.get(`/auth/${name}/callback`, callback);
    app.post(`/auth/${name}/callback`, callback);
  }
  // What reaches Express's error handler (an error thrown past passport) is an error too.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    record(req, { kind: 'error', error });
    res.status(500).end();
  });

  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      try {
        await running.none(SETTLE_MS);
      } finally {
        await new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        });
      }
    },
  };
}

/** An answer of the app, or `undefined` when none came before the deadline. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly ms: number;
}

export interface RawRequest {
  readonly method?: 'GET' | 'POST';
  /** The path and query, as sent (already encoded). */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Give up after this many milliseconds. */
  readonly deadlineMs: number;
}

let requests = 0;

/** A fresh request id, for the `x-fuzz-id` header. */
export function nextId(): string {
  requests += 1;
  return String(requests);
}

/**
 * Send one request to `base` over a plain socket, resolving its answer or `undefined` past the
 * deadline. A socket, not `http.request`: the bytes go out as given (any Host, an oversized
 * request line), and no interceptor of `http` (nock, loaded by other test files) stands between.
 */
export function send(base: string, raw: RawRequest): Promise<Reply | undefined> {
  const url = new URL(base);
  const started = performance.now();
  const body = raw.body === undefined ? undefined : Buffer.from(raw.body);
  const headers: Record<string, string> = { host: url.host, ...raw.headers, connection: 'close' };
  if (body !== undefined) headers['content-length'] = String(body.length);
  const head = [`${raw.method ?? 'GET'} ${raw.path} HTTP/1.1`]
    .concat(Object.entries(headers).map(([name, value]) => `${name}: ${value}`))
    .join('\r\n');
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, raw.deadlineMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer (Node's 431 does that) still leaves the answer read.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseReply(Buffer.concat(chunks).toString('latin1'), performance.now() - started));
    });
    // write, not end: a half-closed socket makes Node's server drop the request unanswered.
    socket.write(
      body === undefined
        ? `${head}\r\n\r\n`
        : Buffer.concat([Buffer.from(`${head}\r\n\r\n`), body]),
    );
  });
}

/** The status and headers of an HTTP/1.1 answer; status 0 when the server closed without one. */
function parseReply(text: string, ms: number): Reply {
  const [statusLine = '', ...lines] = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'set-cookie') headers['set-cookie'] = [...(headers['set-cookie'] ?? []), value];
    else headers[name] = value;
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0) || 0, headers, ms };
}

/** A browser: a cookie jar, and the login's start. */
export class FuzzBrowser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  /** The Cookie header, or the one given (a tampered jar). */
  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async send(raw: Omit<RawRequest, 'headers'> & { headers?: Record<string, string> }) {
    const id = nextId();
    const cookie = raw.headers?.cookie ?? this.cookieHeader();
    const reply = await send(this.base, {
      ...raw,
      headers: { ...raw.headers, 'x-fuzz-id': id, ...(cookie && { cookie }) },
    });
    for (const line of [reply?.headers['set-cookie'] ?? []].flat()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      const value = pair!.slice(index + 1).trim();
      if (value === '') this.cookies.delete(pair!.slice(0, index).trim());
      else this.cookies.set(pair!.slice(0, index).trim(), value);
    }
    return { id, reply };
  }

  /** Start a login; the state and nonce sent to Whop (undefined when there was no redirect). */
  async start(path: string, deadlineMs: number) {
    const { reply } = await this.send({ path, deadlineMs });
    const location = reply?.headers.location;
    if (reply?.status !== 302 || location === undefined)
      throw new Error(`the login did not start: ${reply?.status}`);
    const query = new URL(location).searchParams;
    return { state: query.get('state') ?? undefined, nonce: query.get('nonce') ?? undefined };
  }
}

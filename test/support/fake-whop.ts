// A loopback fake of Whop's token and profile endpoints, which passport-oauth2's OAuth2Strategy
// (through node-oauth) and WhopStrategy (through its own client) can both talk to: one server,
// so that the two strategies see the same answers and their requests can be compared.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixture } from './fixtures.js';

export const TOKEN_PATH = '/oauth/token';
export const PROFILE_PATH = '/me';
export const REVOKE_PATH = '/oauth/revoke';

/** An answer the fake gives: status, headers and body as sent. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send the headers and the body's first half, then reset the connection. */
  readonly reset?: boolean;
}

/** A request the fake received: the form's fields in order, repeated names kept. */
export interface Received {
  readonly method: string;
  readonly path: string;
  /** The query string, `?` and all (`''` when none). */
  readonly search: string;
  readonly headers: IncomingMessage['headers'];
  readonly form: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

/** The token endpoint's answer to a successful exchange. */
export const TOKEN = {
  access_token: 'at_fake',
  refresh_token: 'rt_fake',
  token_type: 'bearer',
  expires_in: 7200,
  scope: 'biz_company123',
};

/** A JSON answer. */
export function json(status: number, body: unknown, headers?: Record<string, string>): Answer {
  return {
    status,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  };
}

export class FakeWhop {
  readonly received: Received[] = [];
  token: Answer = json(200, TOKEN);
  profile: Answer = json(200, fixture('me'));
  revoke: Answer = { status: 200, body: '' };
  private server: Server | undefined;
  url = '';

  /** The answers of one successful login again, and no requests recorded. */
  reset(): void {
    this.received.length = 0;
    this.token = json(200, TOKEN);
    this.profile = json(200, fixture('me'));
    this.revoke = { status: 200, body: '' };
  }

  /** The requests to `path`, in order. */
  to(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const [path = '', query] = (req.url ?? '').split(/\?(.*)/s);
        this.received.push({
          method: req.method ?? '',
          path,
          search: query === undefined ? '' : `?${query}`,
          headers: req.headers,
          form: [...new URLSearchParams(body)],
          body,
        });
        const answer =
          path === TOKEN_PATH
            ? this.token
            : path === PROFILE_PATH
              ? this.profile
              : path === REVOKE_PATH
                ? this.revoke
                : { status: 404, body: 'not found' };
        if (answer.reset) {
          res.writeHead(answer.status, {
            ...answer.headers,
            'content-length': String(Buffer.byteLength(answer.body)),
          });
          res.write(answer.body.slice(0, answer.body.length >> 1));
          setImmediate(() => res.socket?.destroy());
          return;
        }
        res.writeHead(answer.status, { ...answer.headers });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// A fake Whop on a loopback port for the fuzz suite: each endpoint answers what the test scripts
// (any status, headers, body, pace, a cut-off or a hang), and everything sent to it is recorded,
// so a test knows every secret of an exchange and how many times each code was exchanged.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the answer goes out: whole (after a delay), a byte at a time, cut off, never, or reset. */
export type Delivery =
  | { readonly kind: 'whole'; readonly delayMs: number }
  | { readonly kind: 'dribble'; readonly everyMs: number }
  | { readonly kind: 'cut' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' };

export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
  readonly delivery?: Delivery;
}

/** A request as the fake received it. */
export interface Received {
  readonly endpoint: Endpoint;
  readonly form: Readonly<Record<string, string>>;
  /** The token of `Authorization: Bearer`, if any. */
  readonly bearer: string | undefined;
}

export type Endpoint = 'token' | 'profile' | 'jwks' | 'revoke';
export type Responder = (request: Received) => Answer | Promise<Answer>;

const PATHS: Readonly<Record<string, Endpoint>> = {
  '/oauth/token': 'token',
  '/api/v5/me': 'profile',
  '/oauth/userinfo': 'profile',
  '/.well-known/jwks.json': 'jwks',
  '/oauth/revoke': 'revoke',
};

/** The form fields and header values that are secrets of the exchange. */
const SECRET_FIELDS = ['code', 'client_secret', 'code_verifier', 'refresh_token', 'token'];

export class FakeWhop {
  /** Every request since the last `reset()`. */
  readonly received: Received[] = [];
  /** How many times each code was sent to the token endpoint, over the fake's whole life. */
  readonly codes = new Map<string, number>();
  /** Errors of the fake itself (a responder that threw): a bug in the test, not the package. */
  readonly faults: Error[] = [];
  /** What each endpoint answers; an endpoint without one answers 404. */
  responders: Partial<Record<Endpoint, Responder>> = {};
  /** Secrets the responders sent (tokens they issued), since the last `reset()`. */
  readonly issued = new Set<string>();
  private readonly open = new Set<ServerResponse>();
  private readonly replays: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeWhop> {
    const handlers: { fake?: FakeWhop } = {};
    const server = createServer((req, res) => handlers.fake!.handle(req, res));
    // One socket per request: a hang or a cut-off never spills into the next run.
    server.keepAliveTimeout = 1;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    handlers.fake = new FakeWhop(server, `http://127.0.0.1:${port}`);
    return handlers.fake;
  }

  /** The endpoint URLs of either flow, on this fake. */
  get legacyURLs() {
    return { tokenURL: `${this.url}/oauth/token`, userProfileURL: `${this.url}/api/v5/me` };
  }

  get oauth21URLs() {
    return {
      tokenURL: `${this.url}/oauth/token`,
      userProfileURL: `${this.url}/oauth/userinfo`,
      jwksURL: `${this.url}/.well-known/jwks.json`,
      revocationURL: `${this.url}/oauth/revoke`,
    };
  }

  /** Every secret that went to or came from the fake since the last `reset()`. */
  secrets(): string[] {
    const secrets = [...this.issued];
    for (const request of this.received) {
      for (const field of SECRET_FIELDS) {
        const value = request.form[field];
        if (value) secrets.push(value);
      }
      if (request.bearer) secrets.push(request.bearer);
    }
    return secrets;
  }

  /** The requests to one endpoint since the last `reset()`. */
  to(endpoint: Endpoint): Received[] {
    return this.received.filter((request) => request.endpoint === endpoint);
  }

  /** The codes sent to the token endpoint again since the last call: each one a second time. */
  replayedCodes(): string[] {
    return this.replays.splice(0);
  }

  reset(): void {
    this.received.length = 0;
    this.issued.clear();
    this.endOpen();
  }

  async close(): Promise<void> {
    this.endOpen();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private endOpen(): void {
    for (const res of this.open) res.destroy();
    this.open.clear();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const endpoint = PATHS[new URL(req.url ?? '/', this.url).pathname];
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const authorization = req.headers.authorization;
      const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
      if (endpoint === undefined) return void res.writeHead(404).end();
      const request: Received = { endpoint, form, bearer };
      this.received.push(request);
      if (endpoint === 'token' && form.grant_type === 'authorization_code' && 'code' in form) {
        const count = (this.codes.get(form.code!) ?? 0) + 1;
        this.codes.set(form.code!, count);
        if (count > 1) this.replays.push(form.code!);
      }
      const responder = this.responders[endpoint];
      if (!responder) return void res.writeHead(404).end();
      Promise.resolve()
        .then(() => responder(request))
        .then(
          (answer) => this.reply(res, answer),
          (error: Error) => {
            this.faults.push(error);
            res.writeHead(599).end();
          },
        );
    });
  }

  private reply(res: ServerResponse, answer: Answer): void {
    // A 204 or 304 has no body: Node drops one.
    const body =
      answer.status === 204 || answer.status === 304 ? Buffer.alloc(0) : Buffer.from(answer.body);
    const delivery = answer.delivery ?? { kind: 'whole', delayMs: 0 };
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    const head = () =>
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
    switch (delivery.kind) {
      case 'whole':
        if (delivery.delayMs === 0) return void head().end(body);
        return void setTimeout(() => res.destroyed || head().end(body), delivery.delayMs);
      case 'dribble': {
        head();
        let sent = 0;
        const next = () => {
          if (res.destroyed) return;
          if (sent >= body.length) return void res.end();
          res.write(body.subarray(sent, sent + 1));
          sent += 1;
          setTimeout(next, delivery.everyMs);
        };
        return next();
      }
      case 'cut':
        head().write(body.subarray(0, Math.floor(body.length / 2)));
        return void setImmediate(() => res.destroy());
      case 'hang':
        return;
      case 'reset':
        return void res.socket?.destroy();
    }
  }
}

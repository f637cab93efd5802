import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** The most a request body may hold; the mock answers 413 past it. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * A refusal with an RFC 6749 `error` code: the router renders it as a JSON error body on API
 * routes and as an HTML page on the authorize routes.
 */
export class MockError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MockError';
  }
}

/** One request and its single response; `send` also records it in the request log. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Set by the token endpoints, for the log. */
  grantType?: string;
  send(status: number, headers: OutgoingHttpHeaders, body: string): void;
}

/** A JSON answer; `no-store` everywhere because most of them carry tokens (RFC 6749 5.1). */
export function sendJSON(
  exchange: Exchange,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  exchange.send(
    status,
    {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      pragma: 'no-cache',
      ...headers,
    },
    JSON.stringify(body),
  );
}

/** An RFC 6749 error body: `{ error, error_description }`. */
export function sendOAuthError(exchange: Exchange, error: MockError): void {
  sendJSON(exchange, error.status, { error: error.code, error_description: error.message });
}

// Pages allow inline styles and pictures, and nothing else: no scripts, no framing.
const PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data: http: https:; " +
  "base-uri 'none'; frame-ancestors 'none'";

export function sendHTML(exchange: Exchange, status: number, html: string): void {
  exchange.send(
    status,
    {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': PAGE_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    html,
  );
}

export function sendRedirect(exchange: Exchange, location: URL): void {
  exchange.send(302, { location: location.href, 'cache-control': 'no-store' }, '');
}

/**
 * One parameter's value. RFC 6749 3.1: an empty parameter counts as absent, and none may be
 * sent twice.
 */
export function param(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw new MockError(400, 'invalid_request', `${name} is repeated`);
  return values[0] === '' ? undefined : values[0];
}

export function requireParam(params: URLSearchParams, name: string): string {
  const value = param(params, name);
  if (value === undefined) throw new MockError(400, 'invalid_request', `${name} is required`);
  return value;
}

/** The form body of a POST, read up to {@link MAX_BODY_BYTES}. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new MockError(
      400,
      'invalid_request',
      'Expected an application/x-www-form-urlencoded body',
    );
  }
  const tooLarge = new MockError(413, 'invalid_request', 'The request body is too large');
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooLarge;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      // Stop keeping the body but let it drain, so the 413 still reaches the client.
      req.off('data', onData);
      req.resume();
      reject(tooLarge);
    };
    req.on('data', onData);
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
    req.on('close', () => reject(new MockError(400, 'invalid_request', 'The request was aborted')));
  });
}

/** The token of an `Authorization: Bearer` header; a token anywhere else is not looked at. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

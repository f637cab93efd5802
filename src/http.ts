import http, { type Agent } from 'node:http';
import https from 'node:https';
import { escape } from 'node:querystring';
import { internalError, readErrorBody, tokenError, type WhopStep } from './errors.js';

/** How this package reaches Whop: the same settings for the token, profile and refresh requests. */
export interface HttpSettings {
  /** The limit on each request, in milliseconds: connecting, waiting and reading the body. */
  readonly timeout: number;
  /** The `http.Agent` (an `https.Agent` for Whop's https endpoints) to send through. */
  readonly agent?: Agent;
}

/** No answer from Whop is larger than this; a bigger body is an error, not a memory spike. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface WhopRequest {
  readonly step: WhopStep;
  readonly url: string;
  /**
   * Appended to `url`'s path, already encoded: for per-user paths (the access check), so the
   * parsed-URL cache below holds only the configured URLs.
   */
  readonly path?: string;
  /** Sent as `application/x-www-form-urlencoded`, with POST; undefined values are left out. */
  readonly form?: Readonly<Record<string, string | undefined>>;
  /** Sent as `Authorization: Bearer`, never in the URL. */
  readonly bearer?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface WhopResponse {
  readonly status: number;
  readonly text: string;
  /** `Retry-After` in seconds, when Whop sent one. */
  readonly retryAfter: number | undefined;
}

/**
 * Every value of `request` that must never be shown: the form's secret fields and the bearer
 * token. Transport errors (nock's among them) quote the whole request, so their text is redacted.
 */
function secretsOf(request: WhopRequest): string[] {
  const secret = ['client_secret', 'code', 'code_verifier', 'refresh_token', 'token'];
  const values = secret.map((name) => request.form?.[name]);
  return [...values, request.bearer].filter((v): v is string => typeof v === 'string' && v !== '');
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of new Set([
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
    ])) {
      out = out.split(form).join('[redacted]');
    }
  }
  return out;
}

/** A copy of a transport error (and its causes) with every secret taken out of its text. */
function sanitize(error: unknown, secrets: readonly string[], depth = 0): Error {
  if (!(error instanceof Error)) return new Error(redact(String(error), secrets));
  const copy = new Error(redact(error.message, secrets));
  copy.name = error.name;
  copy.stack = redact(error.stack ?? '', secrets);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  if (error.cause !== undefined && depth < 4) {
    Object.defineProperty(copy, 'cause', {
      value: sanitize(error.cause, secrets, depth + 1),
      enumerable: false,
    });
  }
  return copy;
}

/** The innermost message of an error chain: `fetch failed` says less than `connect ECONNREFUSED`. */
function rootMessage(error: Error): string {
  let current: Error = error;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** A form body: `application/x-www-form-urlencoded`, leaving out undefined values. */
function encodeForm(form: Readonly<Record<string, string | undefined>>): string {
  const fields: string[] = [];
  for (const name in form) {
    const value = form[name];
    // querystring's escape: the same RFC 3986 encoding as encodeURIComponent, faster on ASCII.
    if (value !== undefined) fields.push(`${escape(name)}=${escape(value)}`);
  }
  return fields.join('&');
}

/** The body as JSON, or undefined when it is not JSON. */
export function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

interface Target {
  readonly https: boolean;
  readonly hostname: string;
  readonly port: string;
  readonly path: string;
  /** The `Host` header, as Node's http would write it: the port only when not the default. */
  readonly host: string;
}

// Whop's endpoints are a handful of configured URLs: parse each once, not per request.
const targets = new Map<string, Target>();
const MAX_TARGETS = 64;

function targetOf(address: string): Target {
  let target = targets.get(address);
  if (target === undefined) {
    const url = new URL(address);
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    target = {
      https: url.protocol === 'https:',
      hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      host: url.host,
    };
    if (targets.size >= MAX_TARGETS) targets.clear();
    targets.set(address, target);
  }
  return target;
}

/**
 * The request's headers as name, value pairs, which Node's http writes as they are, without its
 * per-header bookkeeping (a tenth of a request's CPU in the benchmark). The request's own
 * headers (`request.headers`) may set `Host` and `Accept`, not the body's or the token's.
 */
function headersOf(request: WhopRequest, target: Target, body: string | undefined): string[] {
  let host = target.host;
  let accept = 'application/json';
  const extra: string[] = [];
  for (const name in request.headers) {
    const value = request.headers[name]!;
    switch (name.toLowerCase()) {
      case 'host':
        host = value;
        continue;
      case 'accept':
        accept = value;
        continue;
      case 'content-type':
      case 'content-length':
        if (body !== undefined) continue;
        break;
      case 'authorization':
        if (request.bearer !== undefined) continue;
        break;
    }
    extra.push(name, value);
  }
  const headers = ['Host', host, 'Accept', accept];
  if (body !== undefined) {
    headers.push('Content-Type', 'application/x-www-form-urlencoded');
    headers.push('Content-Length', String(Buffer.byteLength(body)));
  }
  if (request.bearer !== undefined) headers.push('Authorization', `Bearer ${request.bearer}`);
  if (extra.length > 0) headers.push(...extra);
  return headers;
}

function transportError(request: WhopRequest, error: unknown): Error {
  const cause = sanitize(error, secretsOf(request));
  return internalError(request.step, `request failed (${rootMessage(cause)})`, { cause });
}

function tooLarge(request: WhopRequest): Error {
  return internalError(request.step, `the response is larger than ${MAX_BODY_BYTES} bytes`);
}

/**
 * Send one request to Whop and read its answer, whatever the status. Rejects only with an
 * `InternalOAuthError` naming the step: network failure, timeout, or a body over 1 MiB.
 *
 * `node:http` rather than `fetch`: the same keep-alive agents passport-oauth2 uses; in the
 * benchmark `fetch` cost about 190 µs more CPU per request, a third of a login's time.
 */
export function send(request: WhopRequest, settings: HttpSettings): Promise<WhopResponse> {
  return new Promise((resolve, reject) => {
    const target = targetOf(request.url);
    const body = request.form && encodeForm(request.form);
    const headers = headersOf(request, target, body);

    let settled = false;
    const finish = (error: Error | undefined, response?: WhopResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        outgoing.destroy();
        reject(error);
      } else resolve(response!);
    };
    // Looked up at each call, not bound at import, so interceptors such as nock see the request.
    const transport = target.https ? https.request : http.request;
    const method = body === undefined ? 'GET' : 'POST';
    const { hostname, port } = target;
    const path = request.path === undefined ? target.path : target.path + request.path;
    const outgoing = transport(
      { hostname, port, path, method, headers, agent: settings.agent },
      (incoming) => {
        if (Number(incoming.headers['content-length']) > MAX_BODY_BYTES)
          return finish(tooLarge(request));
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) finish(tooLarge(request));
          else chunks.push(chunk);
        });
        // A connection lost mid-answer ends in 'error' ('aborted', ECONNRESET), never 'end'.
        incoming.on('error', (error) => finish(transportError(request, error)));
        incoming.on('end', () => {
          const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
          const retryAfter = parseRetryAfter(incoming.headers['retry-after'] ?? null);
          finish(undefined, { status: incoming.statusCode ?? 0, text, retryAfter });
        });
      },
    );
    // One deadline for the whole exchange: connecting, waiting, and reading the body.
    const timer = setTimeout(
      () => finish(internalError(request.step, `timed out after ${settings.timeout} ms`)),
      settings.timeout,
    );
    outgoing.on('error', (error) => finish(transportError(request, error)));
    outgoing.end(body);
  });
}

/** A short, safe description of a failed answer for an error message. */
export function describeFailure(response: WhopResponse): string {
  const json = parseJSON(response.text);
  const whop = readErrorBody(json);
  const said = whop?.message ?? whop?.code;
  const retry = response.retryAfter === undefined ? '' : `, retry after ${response.retryAfter} s`;
  const kind = json === undefined ? ', not JSON' : '';
  return `Whop answered HTTP ${response.status}${said ? `: ${said}` : kind}${retry}`;
}

/**
 * The error for an answer that is not a 2xx: an OAuth error body on a 4xx becomes a
 * `TokenError` with the real status; anything else (5xx, HTML) an `InternalOAuthError`.
 */
export function failure(step: WhopStep, response: WhopResponse): Error {
  const { status, retryAfter } = response;
  if (status >= 400 && status < 500) {
    const body = readErrorBody(parseJSON(response.text));
    if (body) return tokenError(body, status, retryAfter);
  }
  return internalError(step, describeFailure(response), { status, retryAfter });
}

/** Whether Whop answered 2xx. */
export function isSuccess(response: WhopResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

/**
 * POST a token request (a code, a refresh token) and return Whop's JSON answer. See
 * {@link failure} for a non-2xx; a 2xx that is not a JSON object with an `access_token` is an
 * `InternalOAuthError` naming the step (or a `TokenError` when it carries an OAuth error).
 */
export async function requestToken(
  step: WhopStep,
  url: string,
  form: Readonly<Record<string, string | undefined>>,
  settings: HttpSettings,
  headers?: Readonly<Record<string, string>>,
): Promise<Readonly<Record<string, unknown>>> {
  const response = await send({ step, url, form, headers }, settings);
  if (!isSuccess(response)) throw failure(step, response);
  const { status } = response;
  const json = parseJSON(response.text);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw internalError(step, 'the response is not a JSON object', { status });
  }
  const token = json as Record<string, unknown>;
  if (typeof token.access_token !== 'string' || token.access_token === '') {
    const body = readErrorBody(json);
    if (body?.code !== undefined) throw tokenError(body, status, response.retryAfter);
    throw internalError(step, 'the response has no access_token', { status });
  }
  return token;
}

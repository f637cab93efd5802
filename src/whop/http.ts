import http, { type Agent } from 'node:http';
import https from 'node:https';
import { escape } from 'node:querystring';
import type { Deadline } from '../flow/deadline.js';
import { INVALID_RESPONSE, REQUEST_FAILED, RESPONSE_TOO_LARGE, TIMED_OUT } from './error-codes.js';
import {
  internalError,
  oauthErrorOf,
  readErrorBody,
  retryAfterOf,
  statusCode,
  waitOf,
  tokenError,
  type WhopInternalOAuthError,
  type WhopStep,
} from './errors.js';
import { SecretForms } from './redact.js';
import { clientCredentials, scrubError } from './scrub.js';

/** How this package reaches Whop: the same settings for the token, profile and refresh requests. */
export interface HttpSettings {
  /**
   * The limit on a request sent without a login's {@link Deadline} (refresh, revoke, the shared
   * JWKS fetch), in milliseconds: connecting, waiting and reading the body.
   */
  readonly timeout: number;
  /** The `http.Agent` (an `https.Agent` for Whop's https endpoints) to send through. */
  readonly agent?: Agent;
}

/**
 * The strategy's settings: the `agent` option, else the agent set with passport-oauth2's recipe
 * for proxies, `strategy._oauth2.setAgent(agent)`, read at each request as node-oauth reads it.
 */
export function strategySettings(
  timeout: number,
  agent: Agent | undefined,
  oauth2: { readonly _agent?: unknown },
): HttpSettings {
  return {
    timeout,
    get agent() {
      return agent ?? ((oauth2._agent || undefined) as Agent | undefined);
    },
  };
}

/** The same settings with another `timeout`: the time a refresh lock gives its request. */
export function limitedTo(settings: HttpSettings, timeout: number): HttpSettings {
  return {
    timeout,
    get agent() {
      return settings.agent;
    },
  };
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
  /** Sent as `application/x-www-form-urlencoded`, with POST (see {@link encodeForm}). */
  readonly form?: Readonly<Record<string, unknown>>;
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
 * Every value of `request` that must never be shown: the form's secret fields (the client's
 * credentials as Basic authentication writes them too) and the bearer token. Every error about a
 * request is scrubbed of them (see scrubError): transport errors (nock's among them) quote the
 * whole request, and Whop's error bodies quote what they were sent.
 */
export function secretsOf(request: WhopRequest): unknown[] {
  const form = request.form;
  return form === undefined
    ? [request.bearer]
    : [
        form.client_secret,
        form.code,
        form.code_verifier,
        form.refresh_token,
        form.token,
        request.bearer,
        ...clientCredentials(form.client_id, form.client_secret),
      ];
}

/** What takes `secrets` out of Whop's text before it is cut to a quote's length. */
function redactorOf(secrets: Iterable<unknown>): ((text: string) => string) | undefined {
  const forms = new SecretForms(secrets);
  return forms.empty ? undefined : (text) => forms.redact(text);
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

/** One form value as `querystring.stringify` (node-oauth's encoder) writes it. */
function formValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : '';
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return '';
  }
}

/**
 * A form body (`application/x-www-form-urlencoded`) as node-oauth encodes its token requests
 * with `querystring.stringify`: an array repeats its name, `null` and objects are empty. Only
 * undefined values are left out: this package's own optional fields.
 */
export function encodeForm(form: Readonly<Record<string, unknown>>): string {
  let body = '';
  for (const name in form) {
    const value = form[name];
    if (value === undefined) continue;
    // querystring's escape: the same RFC 3986 encoding as encodeURIComponent, faster on ASCII.
    const key = `${escape(name)}=`;
    if (Array.isArray(value)) {
      for (const item of value as unknown[])
        body += `${body === '' ? '' : '&'}${key}${escape(formValue(item))}`;
    } else body += `${body === '' ? '' : '&'}${key}${escape(formValue(value))}`;
  }
  return body;
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
  const cause = error instanceof Error ? error : new Error(String(error));
  const failed = internalError(
    REQUEST_FAILED,
    request.step,
    `request failed (${rootMessage(cause)})`,
    { cause },
  );
  return scrubError(failed, secretsOf(request));
}

function tooLarge(request: WhopRequest): Error {
  return internalError(
    RESPONSE_TOO_LARGE,
    request.step,
    `the response is larger than ${MAX_BODY_BYTES} bytes`,
  );
}

/**
 * Send one request to Whop and read its answer, whatever the status. Rejects only with an
 * `InternalOAuthError` naming the step: network failure, timeout, a body over 1 MiB, or a
 * request Node refuses to send (CR/LF or non-ASCII in a header, a lone surrogate in the form).
 * With a login's `deadline` the request ends when the login's time is up and needs no timer of
 * its own; without one, `settings.timeout` limits it.
 *
 * `node:http` rather than `fetch`: the same keep-alive agents passport-oauth2 uses; in the
 * benchmark `fetch` cost about 190 µs more CPU per request, a third of a login's time.
 */
export function send(
  request: WhopRequest,
  settings: HttpSettings,
  deadline?: Deadline,
): Promise<WhopResponse> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let outgoing: http.ClientRequest | undefined;
    const finish = (error: Error | undefined, response?: WhopResponse) => {
      if (settled) return;
      settled = true;
      if (deadline) deadline.release();
      else clearTimeout(timer);
      if (error) {
        outgoing?.destroy();
        reject(error);
      } else resolve(response!);
    };
    try {
      deadline?.enter(request.step, finish);
      outgoing = open(request, settings, finish);
    } catch (error) {
      // The login's time was already up, or Node refused the request as built: nothing was sent.
      const expired = deadline?.expired;
      return finish(error === expired ? expired : transportError(request, error));
    }
    // Without a login's deadline, one timer for this exchange: connecting, waiting, reading.
    if (!deadline) {
      timer = setTimeout(
        () =>
          finish(internalError(TIMED_OUT, request.step, `timed out after ${settings.timeout} ms`)),
        settings.timeout,
      );
    }
  });
}

/** Start `request`; its answer, or its failure, goes to `finish`. */
function open(
  request: WhopRequest,
  settings: HttpSettings,
  finish: (error: Error | undefined, response?: WhopResponse) => void,
): http.ClientRequest {
  const target = targetOf(request.url);
  const body = request.form && encodeForm(request.form);
  const headers = headersOf(request, target, body);
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
  outgoing.on('error', (error) => finish(transportError(request, error)));
  outgoing.end(body);
  return outgoing;
}

/**
 * A short, safe description of a failed answer for an error message, with `secrets` (what the
 * request sent, which Whop may quote) taken out before Whop's text is cut.
 */
export function describeFailure(response: WhopResponse, secrets: Iterable<unknown> = []): string {
  const json = parseJSON(response.text);
  const whop = readErrorBody(json, redactorOf(secrets));
  const said = whop?.message ?? whop?.code;
  const wait = response.retryAfter ?? waitOf(whop?.message);
  const retry = wait === undefined ? '' : `, retry after ${wait} s`;
  const kind = json === undefined ? ', not JSON' : '';
  return `Whop answered HTTP ${response.status}${said ? `: ${said}` : kind}${retry}`;
}

/**
 * The `InternalOAuthError` for an answer that is not a 2xx, with the `status`, `retryAfter` and,
 * as passport-oauth2 (and the strategies built on it) make it, `oauthError`: node-oauth's
 * `{ statusCode, data }`. Whop's text is quoted without `secrets` (the request's, see
 * {@link secretsOf}).
 */
export function answerError(
  step: WhopStep,
  response: WhopResponse,
  secrets: Iterable<unknown> = [],
): WhopInternalOAuthError {
  const { status } = response;
  return internalError(statusCode(status), step, describeFailure(response, secrets), {
    status,
    retryAfter: retryAfterOf(response),
    oauthError: oauthErrorOf(response, secrets),
  });
}

/**
 * The error for a token endpoint's answer that is not a 2xx: an OAuth error body on a 4xx
 * becomes a `TokenError` with the real status; anything else (5xx, HTML, an empty 401) an
 * `InternalOAuthError` (see {@link answerError}). Whop's text is quoted without `secrets`.
 */
export function failure(
  step: WhopStep,
  response: WhopResponse,
  secrets: Iterable<unknown> = [],
): Error {
  if (response.status >= 400 && response.status < 500) {
    const body = readErrorBody(parseJSON(response.text), redactorOf(secrets));
    if (body) return tokenError(step, body, response);
  }
  return answerError(step, response, secrets);
}

/** A strategy's `parseErrorResponse(body, status)`: an error, or nothing to leave it to this package. */
export type ParseErrorResponse = (body: string, status: number) => unknown;

/**
 * The error `parseError` makes of a failed answer, consulted as passport-oauth2 consults it: only
 * for an answer with a body, and a throw or a falsy result count as no answer.
 */
function consult(parseError: ParseErrorResponse | undefined, response: WhopResponse): unknown {
  if (parseError === undefined || response.text === '') return undefined;
  try {
    return parseError(response.text, response.status) || undefined;
  } catch {
    return undefined;
  }
}

/** Whether Whop answered 2xx. */
export function isSuccess(response: WhopResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

// RFC 6750's b64token is narrower; any visible ASCII can at least be sent in a header.
const SENDABLE_TOKEN = /^[\x21-\x7e]+$/;

/**
 * POST a token request (a code, a refresh token) and return Whop's JSON answer. See
 * {@link failure} for a non-2xx; a 2xx that is not a JSON object with an `access_token` that can
 * be sent in a header is an `InternalOAuthError` naming the step (or a `TokenError` when it
 * carries an OAuth error). Every error is scrubbed of the form's secrets.
 */
export async function requestToken(
  step: WhopStep,
  url: string,
  form: Readonly<Record<string, unknown>>,
  settings: HttpSettings,
  headers?: Readonly<Record<string, string>>,
  deadline?: Deadline,
  parseError?: ParseErrorResponse,
): Promise<Readonly<Record<string, unknown>>> {
  const request: WhopRequest = { step, url, form, headers };
  const response = await send(request, settings, deadline);
  const secrets = secretsOf(request);
  try {
    return tokenResponse(step, response, parseError, secrets);
  } catch (error) {
    throw scrubError(error, secrets);
  }
}

function tokenResponse(
  step: WhopStep,
  response: WhopResponse,
  parseError: ParseErrorResponse | undefined,
  secrets: readonly unknown[],
): Record<string, unknown> {
  if (!isSuccess(response)) throw consult(parseError, response) ?? failure(step, response, secrets);
  // No `status` on these: Whop answered 2xx, and an app's `res.status(err.status || 500)` must
  // not answer 200 OK for a failed login (passport-oauth2's Error here has none either).
  const json = parseJSON(response.text);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw internalError(INVALID_RESPONSE, step, 'the response is not a JSON object');
  }
  const token = json as Record<string, unknown>;
  if (typeof token.access_token !== 'string' || token.access_token === '') {
    const body = readErrorBody(json, redactorOf(secrets));
    if (body?.code !== undefined) throw tokenError(step, body, response);
    throw internalError(INVALID_RESPONSE, step, 'the response has no access_token');
  }
  // A CR, LF, NUL or non-ASCII character would fail the profile request (or the app's own)
  // with Node's bare ERR_INVALID_CHAR: refused here, at the step that received it.
  if (!SENDABLE_TOKEN.test(token.access_token))
    throw internalError(
      INVALID_RESPONSE,
      step,
      'the access_token has characters a header cannot carry',
    );
  return token;
}

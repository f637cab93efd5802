import http, { type Agent } from 'node:http';
import https from 'node:https';
import type { Deadline } from '../flow/deadline.js';
import { REQUEST_FAILED, RESPONSE_TOO_LARGE, TIMED_OUT } from './error-codes.js';
import { internalError, type WhopStep } from './errors.js';
import { encodeForm, headersOf, targetOf } from './request-format.js';
import { clientCredentials, scrubError } from './scrub.js';

// Re-exported: the login's steps (src/flow/) import them from here, beside `send`.

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

/** One request to Whop: its step (for errors), where it goes and what it carries. */
export interface WhopRequest {
  readonly step: WhopStep;
  readonly url: string;
  /**
   * Appended to `url`'s path, already encoded: for per-user paths (the access check), so the
   * parsed-URL cache ({@link targetOf}) holds only the configured URLs.
   */
  readonly path?: string;
  /** Sent as `application/x-www-form-urlencoded`, with POST (see {@link encodeForm}). */
  readonly form?: Readonly<Record<string, unknown>>;
  /** Sent as `Authorization: Bearer`, never in the URL. */
  readonly bearer?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Whop's answer, whatever its status, with its body read as text. */
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

/** Whether Whop answered 2xx. */
export function isSuccess(response: WhopResponse): boolean {
  return response.status >= 200 && response.status < 300;
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

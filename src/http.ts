import { internalError, readErrorBody, tokenError, type WhopStep } from './errors.js';

/** How this package reaches Whop: the same settings for the token, profile and refresh requests. */
export interface HttpSettings {
  /** The limit on each request, in milliseconds: connecting, waiting and reading the body. */
  readonly timeout: number;
  /** An undici dispatcher (an `Agent`, `ProxyAgent`, ...) for `fetch`. */
  readonly dispatcher?: RequestInit['dispatcher'];
}

/** No answer from Whop is larger than this; a bigger body is an error, not a memory spike. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface WhopRequest {
  readonly step: WhopStep;
  readonly url: string;
  /** Sent as `application/x-www-form-urlencoded`, with POST; undefined values are left out. */
  readonly form?: Readonly<Record<string, string | undefined>>;
  /** Sent as `Authorization: Bearer`, never in the URL. */
  readonly bearer?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface WhopResponse {
  readonly status: number;
  readonly text: string;
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: unknown;
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

async function readCapped(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > MAX_BODY_BYTES) throw new RangeError('too large');
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) {
      await response.body.cancel().catch(() => undefined);
      throw new RangeError('too large');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Send one request to Whop and read its answer, whatever the status. Rejects only with an
 * `InternalOAuthError` naming the step: network failure, timeout, or a body over 1 MiB.
 */
export async function send(request: WhopRequest, http: HttpSettings): Promise<WhopResponse> {
  const signal = AbortSignal.timeout(http.timeout);
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.form) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(request.form)) {
      if (value !== undefined) form.set(name, value);
    }
    body = form.toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (request.bearer !== undefined) headers.authorization = `Bearer ${request.bearer}`;

  try {
    const response = await fetch(request.url, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body,
      signal,
      redirect: 'error',
      ...(http.dispatcher ? { dispatcher: http.dispatcher } : {}),
    });
    const text = await readCapped(response);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
    return { status: response.status, text, json, retryAfter };
  } catch (error) {
    if (signal.aborted) {
      throw internalError(request.step, `timed out after ${http.timeout} ms`, {
        cause: sanitize(signal.reason, []),
      });
    }
    if (error instanceof RangeError && error.message === 'too large') {
      throw internalError(request.step, `the response is larger than ${MAX_BODY_BYTES} bytes`);
    }
    const cause = sanitize(error, secretsOf(request));
    throw internalError(request.step, `request failed (${rootMessage(cause)})`, { cause });
  }
}

/** A short, safe description of a failed answer for an error message. */
export function describeFailure(response: WhopResponse): string {
  const whop = readErrorBody(response.json);
  const said = whop?.message ?? whop?.code;
  const retry = response.retryAfter === undefined ? '' : `, retry after ${response.retryAfter} s`;
  const kind = response.json === undefined ? ', not JSON' : '';
  return `Whop answered HTTP ${response.status}${said ? `: ${said}` : kind}${retry}`;
}

/**
 * POST a token request (a code, a refresh token) and return Whop's JSON answer. OAuth error
 * bodies on a 4xx become `TokenError`s with the real status; anything else unusable
 * (5xx, HTML, no `access_token`) is an `InternalOAuthError` naming the step.
 */
export async function requestToken(
  step: WhopStep,
  url: string,
  form: Readonly<Record<string, string | undefined>>,
  http: HttpSettings,
  headers?: Readonly<Record<string, string>>,
): Promise<Readonly<Record<string, unknown>>> {
  const response = await send({ step, url, form, headers }, http);
  const { status, json } = response;
  if (status >= 400 && status < 500) {
    const body = readErrorBody(json);
    if (body) throw tokenError(body, status, response.retryAfter);
  }
  if (status < 200 || status >= 300) {
    throw internalError(step, describeFailure(response), {
      status,
      retryAfter: response.retryAfter,
    });
  }
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

import { escape } from 'node:querystring';
import type { WhopRequest } from './http.js';

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

/** Where a request goes, from its URL. */
export interface Target {
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

/** `address` parsed: once per URL, for the handful Whop has. */
export function targetOf(address: string): Target {
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
export function headersOf(
  request: WhopRequest,
  target: Target,
  body: string | undefined,
): string[] {
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

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

// What a login asks for beyond passport-oauth2's own (the company; in OAuth 2.1 the nonce) is
// not kept in the state store: stores see exactly what passport-oauth2 gives them (the app's own
// state, the PKCE verifier, the meta). The nonce is derived from the PKCE verifier, which the
// store keeps anyway; the company travels in the `state` Whop sends back, after the store's
// handle, signed so that it can only be what this login asked for.

/** The OpenID `nonce` of an OAuth 2.1 login: a hash of its PKCE verifier, never the challenge. */
export function nonceOf(verifier: string): string {
  return createHash('sha256').update(`passport-whop nonce\n${verifier}`).digest('base64url');
}

/** The company's signature, bound to the store's handle (so it cannot move to another login). */
function signature(key: string, handle: string, company: string): string {
  return createHmac('sha256', key)
    .update(`passport-whop company\n${handle}\n${company}`)
    .digest('base64url')
    .slice(0, 22);
}

/**
 * The `state` sent to Whop: the store's handle, and after it the company with its signature
 * (`<handle>.biz_x.<signature>`), keyed with the client secret, or for a public client with the
 * PKCE verifier. Without a company, the handle as it is (as passport-oauth2 sends it).
 */
export function bindState(
  handle: string,
  company: string | undefined,
  key: string | undefined,
): string {
  if (company === undefined || key === undefined) return handle;
  return `${handle}.${company}.${signature(key, handle, company)}`;
}

/** The `state` of a callback taken apart: the handle for the store, and the company it names. */
export interface ReturnedState {
  /** What the state store gave out, passed back to its `verify`. */
  readonly handle: string | undefined;
  /** The company after the handle, with its signature; checked once the key is known. */
  readonly company?: string;
  readonly signature?: string;
}

const BOUND = /^(.*)\.(biz_[A-Za-z0-9]+)\.([\w-]{22})$/s;

/** Takes the company off a callback's `state`; a state without one is all handle. */
export function unbindState(state: string | undefined): ReturnedState {
  const match = state === undefined ? null : BOUND.exec(state);
  if (match === null) return { handle: state };
  return { handle: match[1], company: match[2], signature: match[3] };
}

/** Whether the company of a returned state was signed with `key` for its handle. */
export function isSigned(returned: ReturnedState, key: string | undefined): boolean {
  if (returned.company === undefined || key === undefined) return false;
  const expected = Buffer.from(signature(key, returned.handle!, returned.company));
  const given = Buffer.from(returned.signature!);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

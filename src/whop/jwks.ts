// Whop's signing keys (`/.well-known/jwks.json`): one set per verifier, fetched through this
// package's client and cached by jose's createRemoteJWKSet. OAuth 2.1's ID tokens and embedded
// apps' user tokens are signed with keys of the same set.
import type { RemoteJWKSet } from 'jose';
import { answerError } from './answer-errors.js';
import { send, type HttpSettings } from './http.js';

type Jose = typeof import('jose');
let jose: Promise<Jose> | undefined;

/**
 * jose is ES modules only: loaded when the first token comes, so that `require('passport-whop')`
 * works on every Node 20 (require of ES modules needs 20.19), and a strategy that never verifies
 * a token never loads it.
 */
export function loadJose(): Promise<Jose> {
  jose ??= import('jose');
  return jose;
}

/** Where the keys are, how they are fetched, and how long they are trusted. */
export interface JWKSSettings {
  readonly jwksURL: string;
  readonly http: HttpSettings;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** How long the keys are used before they are fetched again, in milliseconds. */
  readonly cacheMaxAge: number;
  /**
   * How long after a fetch a token with an unknown `kid` may not fetch the keys again, in
   * milliseconds (jose's default, 30 s, unless given): a burst of forged key IDs costs Whop one
   * request per cooldown at most.
   */
  readonly cooldownDuration?: number;
}

/**
 * A remote key set for `settings`, fetched through this package's client (its timeout, size cap,
 * agent and headers) when first needed. A fetch that fails is an `InternalOAuthError`, step
 * `jwks`.
 */
export async function remoteKeys(settings: JWKSSettings): Promise<RemoteJWKSet> {
  const { createRemoteJWKSet, customFetch } = await loadJose();
  const { jwksURL, http, headers, cacheMaxAge, cooldownDuration } = settings;
  return createRemoteJWKSet(new URL(jwksURL), {
    timeoutDuration: Math.ceil(http.timeout),
    cacheMaxAge,
    ...(cooldownDuration !== undefined && { cooldownDuration }),
    [customFetch]: async (url: string) => {
      const response = await send({ step: 'jwks', url, headers }, http);
      if (response.status !== 200) throw answerError('jwks', response);
      return new Response(response.text, {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    },
  });
}

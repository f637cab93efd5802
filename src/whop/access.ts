import { createHash } from 'node:crypto';
import type { LRUCache } from 'lru-cache';
import { answerError } from './answer-errors.js';
import { parseJSON } from './answers.js';
import { INVALID_RESPONSE } from './error-codes.js';
import { internalError } from './errors.js';
import { scrubError } from './scrub.js';
import { isUserId, USER_RULE } from '../options.js';
import { isSuccess, send, type HttpSettings } from './http.js';

/** What a user may do with a Whop resource, as Whop's access check answers it. */
export type WhopAccessLevel = 'admin' | 'customer' | 'no_access';

/** Whop's answer to "may this user use this resource?" (`GET /users/{id}/access/{resource}`). */
export interface WhopAccess {
  /** Whether the user has access: a member, a customer or an admin. */
  readonly hasAccess: boolean;
  /** `admin` (the resource's team), `customer` (a member), or `no_access`. */
  readonly accessLevel: WhopAccessLevel;
}

/** What `profile.access` holds after a login with `requireAccess`: each resource's level. */
export type WhopAccessLevels = Readonly<Record<string, WhopAccessLevel>>;

/** What an {@link AccessChecker} works with: the strategy's API URL, cache and HTTP settings. */
export interface AccessSettings {
  /** Whop's REST API base, without a trailing slash. */
  readonly apiURL: string;
  /** How long an answer is kept, in milliseconds; 0 keeps none. */
  readonly maxAge: number;
  /** How many answers are kept at most. */
  readonly cacheSize: number;
  readonly http: HttpSettings;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The app's API key: when set, every check is asked with it rather than the user's token, and
   * answers are kept per environment, user and resource (any token of the user shares them).
   */
  readonly apiKey?: string | undefined;
  /** Which Whop the answers come from, for the cache key with an API key. */
  readonly environment?: string;
  /** The cache's clock (default `performance`); tests move it. */
  readonly perf?: { now(): number };
}

const LEVELS: ReadonlySet<unknown> = new Set(['admin', 'customer', 'no_access']);

// Whop's answers come in six forms: each is one frozen object, shared by every caller and cache
// entry, so a cached answer costs a pointer and no caller can change another's.
const ANSWERS = new Map<string, WhopAccess>();
function answerOf(hasAccess: boolean, accessLevel: WhopAccessLevel): WhopAccess {
  const name = `${hasAccess} ${accessLevel}`;
  let answer = ANSWERS.get(name);
  if (answer === undefined) {
    answer = Object.freeze({ hasAccess, accessLevel });
    ANSWERS.set(name, answer);
  }
  return answer;
}

let lruCache: Promise<typeof import('lru-cache')> | undefined;
/** lru-cache, loaded once, when the first answer is to be kept. */
function loadLruCache(): Promise<typeof import('lru-cache')> {
  lruCache ??= import('lru-cache');
  return lruCache;
}

/** A token's part of a cache key: its SHA-256, so no cache or table ever holds a token. */
export function tokenKey(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

/**
 * Asks Whop whether users have access to resources, for one strategy: concurrent identical
 * questions share one request, and answers (yes or no) are kept for `maxAge` milliseconds in a
 * bounded LRU cache. Keys are the token's hash, the resource and the user: an answer is only
 * ever given back for the same token and user. With the app's API key, the checks are asked with
 * the key and the keys are the environment, the resource and the user. Errors are not kept.
 *
 * @internal
 */
export class AccessChecker {
  // Made at the first answer, and lru-cache loaded then too: it allocates its arrays for `max`
  // entries up front, and loading it takes a few milliseconds that a strategy that never checks
  // access (and every app's start) should not pay for.
  private cache: LRUCache<string, WhopAccess> | undefined;
  private readonly inFlight = new Map<string, Promise<WhopAccess>>();

  constructor(private readonly settings: AccessSettings) {}

  /** Whether checks are asked with the app's API key (no user token needed). */
  get usesApiKey(): boolean {
    return this.settings.apiKey !== undefined;
  }

  /**
   * Whether `userId` has access to `resourceId`, from the cache or from Whop. `hashed` is
   * {@link tokenKey} of `accessToken` (both unused with an API key); `http` the settings of this
   * request (a login's deadline).
   */
  check(
    accessToken: string | undefined,
    hashed: string | undefined,
    userId: string,
    resourceId: string,
    http: HttpSettings = this.settings.http,
  ): Promise<WhopAccess> {
    const { apiKey, environment = 'production' } = this.settings;
    const bearer = apiKey ?? accessToken;
    if (bearer === undefined)
      return Promise.reject(
        new TypeError("An access check needs the user's access token or the app's API key"),
      );
    // The user ID goes last: the hash (or the environment) and the resource ID hold no space, so
    // keys cannot collide; the key itself is never part of one.
    const key = `${apiKey === undefined ? hashed : `key:${environment}`} ${resourceId} ${userId}`;
    const cached = this.cache?.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    // Removed once settled, before any caller sees the outcome: a failure is asked again.
    const request = this.ask(bearer, userId, resourceId, http)
      .then((answer) => this.remember(key, answer))
      .finally(() => {
        if (this.inFlight.get(key) === request) this.inFlight.delete(key);
      });
    this.inFlight.set(key, request);
    return request;
  }

  /** How many answers the cache holds (for tests and the bench). */
  get size(): number {
    return this.cache?.size ?? 0;
  }

  private async remember(key: string, answer: WhopAccess): Promise<WhopAccess> {
    const { maxAge, cacheSize, perf } = this.settings;
    if (maxAge === 0) return answer;
    if (this.cache === undefined) {
      const { LRUCache } = await loadLruCache();
      this.cache ??= new LRUCache<string, WhopAccess>({
        max: cacheSize,
        ttl: maxAge,
        ...(perf && { perf }),
      });
    }
    this.cache.set(key, answer);
    return answer;
  }

  /** One request to Whop's access endpoint; any error is scrubbed of the token. */
  private async ask(
    bearer: string,
    userId: string,
    resourceId: string,
    http: HttpSettings,
  ): Promise<WhopAccess> {
    try {
      return await this.request(bearer, userId, resourceId, http);
    } catch (error) {
      throw scrubError(error, [bearer]);
    }
  }

  /** The request; any answer but a well-formed 2xx is an error. */
  private async request(
    bearer: string,
    userId: string,
    resourceId: string,
    http: HttpSettings,
  ): Promise<WhopAccess> {
    const path = `/users/${encodeURIComponent(userId)}/access/${resourceId}`;
    const { apiURL: url, headers } = this.settings;
    const response = await send({ step: 'access', url, path, bearer, headers }, http);
    // Whop's error messages may quote what they were sent.
    if (!isSuccess(response)) throw scrubError(answerError('access', response, [bearer]), [bearer]);
    const json = parseJSON(response.text) as Record<string, unknown> | null | undefined;
    const hasAccess = typeof json === 'object' && json !== null ? json.has_access : undefined;
    const level = typeof json === 'object' && json !== null ? json.access_level : undefined;
    if (typeof hasAccess !== 'boolean' || !LEVELS.has(level)) {
      throw internalError(
        INVALID_RESPONSE,
        'access',
        'the answer is not JSON with has_access (a boolean) and access_level (admin, customer or no_access)',
      );
    }
    return answerOf(hasAccess, level as WhopAccessLevel);
  }
}

/**
 * A login's access check (`requireAccess`): every resource asked about at once. Resolves each
 * resource's level when the user has access to at least one, or the failure message when to
 * none; rejects (an `InternalOAuthError`, step `access`) when Whop could not answer for one.
 *
 * @internal
 */
export async function admit(
  checker: AccessChecker,
  resources: readonly string[],
  accessToken: string | undefined,
  userId: string,
  http: HttpSettings,
): Promise<WhopAccessLevels | string> {
  // Whop's profile (or ID token) named the user: anything but a user ID must not reach the path.
  if (!isUserId(userId))
    throw internalError(
      INVALID_RESPONSE,
      'access',
      `the user ID Whop gave is not a Whop user ID (${USER_RULE})`,
    );
  const hashed =
    checker.usesApiKey || accessToken === undefined ? undefined : tokenKey(accessToken);
  const answers = await Promise.all(
    resources.map((resource) => checker.check(accessToken, hashed, userId, resource, http)),
  );
  const levels: Record<string, WhopAccessLevel> = {};
  let any = false;
  for (let i = 0; i < resources.length; i++) {
    levels[resources[i]!] = answers[i]!.accessLevel;
    any ||= answers[i]!.hasAccess;
  }
  if (any) return levels;
  return resources.length === 1
    ? `This Whop account has no access to ${resources[0]}`
    : `This Whop account has no access to any of ${resources.join(', ')}`;
}

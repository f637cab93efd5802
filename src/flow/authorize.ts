import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { isValidCallbackURL, type WhopFlow } from '../options.js';
import { bindState, nonceOf } from './binding.js';
import { noSession } from './callback.js';
import { respond } from './login.js';
import type { OAuth2Members } from './members.js';
import { hasMistypedCompany, type LoginScope } from './scope.js';
import { storeFailed, storeState, type StateMetadata, type StateStore } from './state.js';
import type { AuthorizeURLs } from './urls.js';

/** What `passport.authenticate('whop', options)` takes beyond Passport's own options. */
export interface WhopAuthenticateOptions {
  /**
   * This login's scope, as passport-oauth2 takes it (a string, or an array joined with the
   * `scopeSeparator`); a scope naming only a company (`biz_...`) keeps the strategy's other scopes.
   */
  scope?: string | readonly string[];
  /** This login's callback URL; overrides the strategy's `callbackURL`. */
  callbackURL?: string;
  /** App state the state store keeps, given back as `req.authInfo.state` on the callback. */
  state?: unknown;
  [option: string]: unknown;
}

/** What the redirect needs of the strategy beyond passport-oauth2's members, set once. */
export interface AuthorizeSettings {
  readonly flow: WhopFlow;
  /** The key of the company's signature in the state (a public client's is its PKCE verifier). */
  readonly clientSecret: string | undefined;
  /** The session store passport-oauth2 made for the options: it needs `req.session`. */
  readonly sessionStore: StateStore | undefined;
  readonly urls: AuthorizeURLs;
}

/** @internal Why `authenticate()`'s options cannot start a login; undefined when fine. */
export function invalidStart(
  options: WhopAuthenticateOptions,
  flow: WhopFlow,
  scope: LoginScope | undefined,
  separator: string,
): TypeError | undefined {
  if (scope === undefined) {
    const rule =
      'WhopStrategy: the scope passed to authenticate() must be scope tokens (a space-separated string or an array) and at most one company ID (biz_ followed by letters and digits)';
    return new TypeError(
      hasMistypedCompany(options.scope, separator)
        ? `${rule}: an entry starting with biz_ must be a company ID`
        : rule,
    );
  }
  const { callbackURL } = options;
  // A relative URL is resolved against the request, as passport-oauth2 resolves it.
  if (callbackURL && /^[a-z][a-z0-9+.-]*:/i.test(callbackURL) && !isValidCallbackURL(callbackURL)) {
    return new TypeError(
      'WhopStrategy: the callbackURL passed to authenticate() must be an https: URL, an http: URL on localhost, or a relative URL',
    );
  }
  // A string state would go to Whop as it is, without the store: no verifier kept.
  if (flow === 'oauth2.1' && typeof options.state === 'string') {
    return new TypeError(
      "WhopStrategy: with flow: 'oauth2.1' the state passed to authenticate() must be an object, not a string (PKCE is kept in the state store)",
    );
  }
  return undefined;
}

/** One redirect, as `authenticate()` read it. */
export interface Redirect {
  readonly scope: LoginScope;
  readonly callbackURL: string | undefined;
  readonly meta: StateMetadata;
  readonly options: WhopAuthenticateOptions;
}

/**
 * The redirect to Whop's authorize page, with passport-oauth2's parameters in its order (the
 * app's `authorizationParams`, `response_type`, `redirect_uri`, `scope`, the PKCE challenge,
 * `state`), in OAuth 2.1 the company and the nonce first. The state store keeps the app's state
 * and the PKCE verifier as passport-oauth2 hands them over; the requested company travels in
 * the `state` (see binding.ts).
 *
 * @internal
 */
export async function startLogin(
  strategy: OAuth2Members,
  settings: AuthorizeSettings,
  req: Request,
  redirect: Redirect,
): Promise<void> {
  let answer: () => void;
  try {
    const { options, scope } = redirect;
    const params = strategy.authorizationParams(options) as Record<string, unknown>;
    const pkce = challenge(strategy._pkceMethod);
    if (settings.flow === 'oauth2.1') {
      // OAuth 2.1 sends the company as `company_id` and the OpenID scopes as `scope`.
      if (scope.company !== undefined) params.company_id = scope.company;
      params.nonce = nonceOf(pkce!.verifier);
    }
    params.response_type = 'code';
    if (redirect.callbackURL) params.redirect_uri = redirect.callbackURL;
    if (scope.scope) params.scope = scope.scope;
    if (pkce) {
      params.code_challenge = pkce.challenge;
      params.code_challenge_method = pkce.method;
    }
    const appState = options.state;
    if (appState && typeof appState === 'string') params.state = appState;
    else {
      const store = strategy._stateStore;
      if (store === settings.sessionStore && !(req as { session?: unknown }).session)
        throw noSession();
      const handle = await keep(store, req, pkce?.verifier, appState, redirect.meta);
      const key = settings.clientSecret ?? pkce?.verifier;
      if (handle) params.state = bindState(handle, scope.company, key);
    }
    const url = settings.urls.of(strategy._oauth2).with(params);
    answer = () => strategy.redirect(url);
  } catch (error) {
    answer = () => strategy.error(error);
  }
  respond(strategy, answer);
}

/** The state store's `store`, in the form it takes; resolves the handle it gave out. */
function keep(
  store: StateStore,
  req: Request,
  verifier: string | undefined,
  state: unknown,
  meta: StateMetadata,
): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    // A store that throws fails as one that calls back with the error (its first answer counts).
    try {
      storeState(store, req, verifier, state, meta, (err, handle) =>
        err ? reject(storeFailed(err)) : resolve(handle),
      );
    } catch (error) {
      reject(storeFailed(error));
    }
  });
}

/** A PKCE verifier and its challenge, as passport-oauth2 makes them for its `pkce` option. */
function challenge(method: unknown) {
  if (!method) return undefined;
  const verifier = randomBytes(32).toString('base64url');
  switch (method) {
    case 'plain':
      return { verifier, challenge: verifier, method };
    case 'S256':
      return {
        verifier,
        challenge: createHash('sha256').update(verifier).digest('base64url'),
        method,
      };
    default:
      throw new Error(`Unsupported code verifier transformation method: ${String(method)}`);
  }
}

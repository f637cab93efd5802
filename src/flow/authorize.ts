import { createHash, randomBytes } from 'node:crypto';
import { CALLBACK_RULE, isCompanyId, isValidCallbackURL, type WhopFlow } from '../options.js';

/** What `passport.authenticate('whop', options)` takes beyond Passport's own options. */
export interface WhopAuthenticateOptions {
  /** The company to log in on behalf of, for this request; overrides the strategy's. */
  scope?: string;
  /** This login's callback URL; overrides the strategy's `callbackURL`. */
  callbackURL?: string;
  /** App state the state store keeps, given back as `req.authInfo.state` on the callback. */
  state?: unknown;
  [option: string]: unknown;
}

/** @internal Why `authenticate()`'s options cannot start or finish a login; undefined when fine. */
export function invalidAuthenticateOptions(
  options: WhopAuthenticateOptions,
  flow: WhopFlow,
): TypeError | undefined {
  if (options.scope !== undefined && !isCompanyId(options.scope)) {
    return new TypeError(
      'WhopStrategy: the scope passed to authenticate() must be a company ID: biz_ followed by letters and digits',
    );
  }
  if (options.callbackURL !== undefined && !isValidCallbackURL(options.callbackURL)) {
    return new TypeError(
      `WhopStrategy: the callbackURL passed to authenticate() must be ${CALLBACK_RULE}`,
    );
  }
  // A string state would go to Whop as it is, without the store: no verifier, no nonce kept.
  if (flow === 'oauth2.1' && typeof options.state === 'string') {
    return new TypeError(
      "WhopStrategy: with flow: 'oauth2.1' the state passed to authenticate() must be an object, not a string (PKCE and the nonce are kept in the state store)",
    );
  }
  return undefined;
}

/** @internal The legacy flow's `scope`: the Whop permission scopes, then the company, space-separated. */
export function legacyScope(permissions: string | undefined, company: string | undefined) {
  if (permissions === undefined) return company;
  return company === undefined ? permissions : `${permissions} ${company}`;
}

/**
 * Adds what Whop's authorize page needs to the app's `authorizationParams`, in this order: in
 * OAuth 2.1 the company and the nonce, then `response_type`, `redirect_uri` and `scope`, then in
 * OAuth 2.1 the PKCE S256 challenge. Returns the PKCE code verifier (OAuth 2.1), for the state
 * store to keep.
 *
 * @internal
 */
export function addAuthorizeParams(
  params: Record<string, unknown>,
  oauth21: boolean,
  company: string | undefined,
  nonce: string | undefined,
  scope: string | undefined,
  callbackURL: string | undefined,
): string | undefined {
  if (oauth21) {
    // OAuth 2.1 sends the company as `company_id` and the OpenID scopes as `scope`.
    if (company !== undefined) params.company_id = company;
    params.nonce = nonce;
  }
  params.response_type = 'code';
  params.redirect_uri = callbackURL;
  if (scope) params.scope = scope;
  if (!oauth21) return undefined;
  const verifier = randomBytes(32).toString('base64url');
  params.code_challenge = createHash('sha256').update(verifier).digest('base64url');
  params.code_challenge_method = 'S256';
  return verifier;
}

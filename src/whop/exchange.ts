import type { Deadline } from '../flow/deadline.js';
import { ID_TOKEN_INVALID } from './error-codes.js';
import { internalError } from './errors.js';
import type { HttpSettings } from './http.js';
import { IdTokenVerifier } from './id-token.js';
import { isCompanyId, type WhopFlow } from '../options.js';
import { scrubError } from './scrub.js';
import { requestToken, type ParseErrorResponse } from './token-request.js';
import { toTokenParams, unixNow, type WhopTokenParams } from './tokens.js';

export interface ExchangeSettings {
  readonly flow: WhopFlow;
  readonly clientID: string;
  /** Undefined for a public OAuth 2.1 client: then no `client_secret` is sent. */
  readonly clientSecret: string | undefined;
  readonly tokenURL: string;
  /** OAuth 2.1 only: where the ID token's keys are, and its expected `iss`. */
  readonly jwksURL: string | undefined;
  readonly issuer: string | undefined;
  /** The OpenID scopes a login asks for (OAuth 2.1 only): with `openid`, an ID token is required. */
  readonly openidScope: string | undefined;
  readonly http: HttpSettings;
  readonly headers: Readonly<Record<string, string>>;
}

/** node-oauth's `OAuth2#getOAuthAccessToken`, as passport-oauth2 and passport-oauth2-refresh call it. */
export type ExchangeMethod = (
  code: string,
  params: Record<string, unknown> | null | undefined,
  callback: (
    err: Error | null,
    accessToken?: string,
    refreshToken?: string,
    params?: WhopTokenParams,
  ) => void,
) => void;

/** A token request's form, and what it is. */
export interface TokenForm {
  readonly form: Readonly<Record<string, unknown>>;
  /** Whether it exchanges an authorization code (a login), not a refresh token. */
  readonly isCode: boolean;
  /** The company a refresh names, placed where the flow wants it. */
  readonly company: string | undefined;
}

/** What a token request gave. */
export interface Exchanged {
  readonly accessToken: string;
  /** The refresh token Whop sent, if any. */
  readonly refreshToken: string | undefined;
  /** Whop's answer as the verify function's `params` (and node-oauth's `results`). */
  readonly tokenParams: WhopTokenParams;
  /** Whop's answer as it came. */
  readonly json: Readonly<Record<string, unknown>>;
}

const COMPANY_RULE = 'a company ID: biz_ followed by letters and digits';

/**
 * Where a refresh's company goes. passport-oauth2-refresh passes the app's params as they are,
 * so the company may come as `company_id` (the name the verify's `params` use) or inside `scope`
 * (the legacy flow's name for it): send it as `company_id` in OAuth 2.1, where Whop requires that
 * name, and inside `scope` in the legacy flow. Resolves the company, if any.
 */
export function placeCompany(form: Record<string, unknown>, flow: WhopFlow): string | undefined {
  const given = form.company_id;
  if (given !== undefined && !isCompanyId(given))
    throw new TypeError(`WhopStrategy requires a refresh's company_id to be ${COMPANY_RULE}`);
  const scopes = typeof form.scope === 'string' ? form.scope.split(' ').filter(Boolean) : [];
  const companies = new Set(scopes.filter(isCompanyId));
  if (given !== undefined) companies.add(given);
  if (companies.size > 1)
    throw new TypeError(
      `WhopStrategy requires a refresh to name one company, not ${[...companies].join(' and ')}`,
    );
  const [company] = companies;
  if (company === undefined) return undefined;
  const others = scopes.filter((scope) => !isCompanyId(scope));
  if (flow === 'oauth2.1') {
    form.company_id = company;
    if (others.length > 0) form.scope = others.join(' ');
    else delete form.scope;
  } else {
    delete form.company_id;
    form.scope = [...others, company].join(' ');
  }
  return company;
}

/**
 * The token request of a login or a refresh, for either flow: the form Whop expects, this
 * package's HTTP client (a timeout, a size cap, Whop's error shapes, no secret in any error),
 * and in OAuth 2.1 the ID token verified against the nonce the login sent.
 *
 * @internal
 */
export class TokenExchange {
  private readonly idTokens: IdTokenVerifier | undefined;
  /** Whether a login asks for the `openid` scope, and so must get an ID token back. */
  private readonly needsIdToken: boolean;

  constructor(private readonly settings: ExchangeSettings) {
    const { flow, jwksURL, issuer, clientID, http } = settings;
    this.needsIdToken = settings.openidScope?.split(' ').includes('openid') ?? false;
    // One verifier, so one cached JWKS, per strategy; the headers read at each fetch.
    this.idTokens =
      flow === 'oauth2.1' && jwksURL !== undefined && issuer !== undefined
        ? new IdTokenVerifier({
            jwksURL,
            issuer,
            clientID,
            http,
            get headers() {
              return settings.headers;
            },
          })
        : undefined;
  }

  /** node-oauth's `getOAuthAccessToken` for a code (a refresh goes through the client). */
  readonly method: ExchangeMethod = (code, params, callback) => {
    // node-oauth takes no params as none: `getOAuthAccessToken(code, null, cb)`.
    this.exchange(code, params ?? {}).then(
      ({ accessToken, refreshToken, tokenParams }) =>
        process.nextTick(() => callback(null, accessToken, refreshToken, tokenParams)),
      (error: Error) => process.nextTick(() => callback(error)),
    );
  };

  /**
   * The form of a token request for `code` (a refresh token when `params.grant_type` is
   * `refresh_token`): `params` as node-oauth sends them, the grant, the client's credentials and,
   * for a refresh, the company where the flow names it. Throws a `TypeError` for a refresh that
   * names a malformed company, or two.
   */
  form(code: string, params: Readonly<Record<string, unknown>>): TokenForm {
    const { clientID, clientSecret, flow } = this.settings;
    const grant = typeof params.grant_type === 'string' ? params.grant_type : 'authorization_code';
    const isCode = grant === 'authorization_code';
    const form: Record<string, unknown> = {};
    // A login's fields (tokenParams) as node-oauth sends them: an undefined one as empty.
    for (const name of Object.keys(params))
      form[name] = isCode && params[name] === undefined ? '' : params[name];
    form.grant_type = grant;
    form[isCode ? 'code' : 'refresh_token'] = code;
    form.client_id = clientID;
    form.client_secret = clientSecret;
    const company = isCode ? undefined : placeCompany(form, flow);
    return { form, isCode, company };
  }

  /**
   * A code or a refresh token for tokens. A login passes `redirect_uri` and, with PKCE,
   * `code_verifier` in `params`, the `nonce` it sent (OAuth 2.1) for its ID token, and its
   * deadline; a refresh passes `grant_type: 'refresh_token'`. Every error is scrubbed of the
   * code, the secret and the tokens Whop sent back. A login passes the strategy's
   * `parseErrorResponse` too, consulted on a failed answer as passport-oauth2 does.
   */
  exchange(
    code: string,
    params: Readonly<Record<string, unknown>>,
    nonce?: string,
    deadline?: Deadline,
    parseError?: ParseErrorResponse,
  ): Promise<Exchanged> {
    try {
      return this.send(code, this.form(code, params), nonce, deadline, parseError);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** Send `form` (see {@link form}); see {@link exchange}. */
  async send(
    code: string,
    { form, isCode, company }: TokenForm,
    nonce?: string,
    deadline?: Deadline,
    parseError?: ParseErrorResponse,
    http: HttpSettings = this.settings.http,
  ): Promise<Exchanged> {
    const { tokenURL, headers } = this.settings;
    const step = isCode ? 'token' : 'refresh';
    // Taken before the request, so expires_at errs early, never late.
    const now = unixNow();
    const json = await requestToken(step, tokenURL, form, http, headers, deadline, parseError);
    const refreshToken = typeof json.refresh_token === 'string' ? json.refresh_token : undefined;
    let tokenParams = toTokenParams(json, now);
    if (company !== undefined) (tokenParams as { company_id?: string }).company_id = company;
    // A login's ID token is checked against its nonce; a refresh's is passed on as Whop sent it.
    if (isCode && this.idTokens !== undefined) {
      try {
        const claims = await this.idToken(json.id_token, nonce, deadline);
        if (claims !== undefined) tokenParams = { ...tokenParams, id_token_claims: claims };
      } catch (error) {
        const secrets = [code, form.client_secret, form.code_verifier, ...tokensOf(json)];
        throw scrubError(error, secrets);
      }
    }
    return { accessToken: tokenParams.access_token, refreshToken, tokenParams, json };
  }

  /** The claims of a login's ID token; OAuth 2.1 requires one when `openid` was asked for. */
  private idToken(idToken: unknown, nonce: string | undefined, deadline: Deadline | undefined) {
    if (idToken === undefined) {
      if (!this.needsIdToken) return undefined;
      throw internalError(
        ID_TOKEN_INVALID,
        'id_token',
        'the token response has no id_token, though the login asked for the openid scope',
      );
    }
    if (typeof idToken !== 'string')
      throw internalError(
        ID_TOKEN_INVALID,
        'id_token',
        'the id_token in the token response is not a string',
      );
    return this.idTokens!.verify(idToken, nonce, deadline);
  }
}

/** The tokens in a token response, to be scrubbed from any error after it came. */
export function tokensOf(json: Readonly<Record<string, unknown>>): unknown[] {
  return [json.access_token, json.refresh_token, json.id_token];
}

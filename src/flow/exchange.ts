import OAuth2Strategy from 'passport-oauth2';
import type { TokenExchange } from '../whop/exchange.js';
import type { HttpSettings } from '../whop/http.js';
import type { WhopTokenParams } from '../whop/tokens.js';
import type { Deadline } from './deadline.js';
import type { OAuth2Members } from './members.js';

/** The token step's means: this package's exchange, and what the strategy put on `_oauth2`. */
export interface Exchanger {
  readonly tokens: TokenExchange;
  /**
   * The `getOAuthAccessToken` the strategy set on `_oauth2` (for passport-oauth2-refresh): while
   * `_oauth2` still holds it, a login exchanges its code through {@link Exchanger.tokens}
   * directly, within its deadline and with its nonce.
   */
  readonly method: OAuth2Members['_oauth2']['getOAuthAccessToken'];
  readonly http: HttpSettings;
}

/** What the token request of one login sends, and checks the answer against. */
export interface CodeExchange {
  readonly code: string;
  readonly callbackURL: string | undefined;
  /** The PKCE verifier the state store gave back. */
  readonly verifier: string | undefined;
  /** The OpenID nonce the login sent (OAuth 2.1), for the ID token. */
  readonly nonce: string | undefined;
  /** The company the login asked for, given to verify as `params.company_id`. */
  readonly company: string | undefined;
  /** `authenticate()`'s options, for `tokenParams`. */
  readonly options: object;
}

/** A login's tokens, before the profile. */
export interface ExchangedTokens {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  readonly tokenParams: WhopTokenParams;
}

/**
 * The token request, with passport-oauth2's parameters (`tokenParams(options)`, `grant_type`,
 * `redirect_uri`, `code_verifier`). A `_oauth2.getOAuthAccessToken` replaced after construction
 * (a unit test's stub, a subclass's) is called as passport-oauth2 calls it, its error made into
 * passport-oauth2's (`_createOAuthError`, which asks `parseErrorResponse`); what it calls back
 * goes to verify as it is.
 */
export async function exchangeCode(
  strategy: OAuth2Members,
  exchanger: Exchanger,
  login: CodeExchange,
  deadline: Deadline,
): Promise<ExchangedTokens> {
  const params = strategy.tokenParams(login.options) as Record<string, unknown>;
  params.grant_type = 'authorization_code';
  if (login.callbackURL) params.redirect_uri = login.callbackURL;
  if (login.verifier !== undefined) params.code_verifier = login.verifier;
  const oauth2 = strategy._oauth2;
  if (oauth2.getOAuthAccessToken !== exchanger.method)
    return deadline.run('token', replacedExchange(strategy, login.code, params));
  const parse = strategy.parseErrorResponse;
  // passport-oauth2's own `parseErrorResponse` (RFC 6749 only, always status 500) is not asked:
  // this package reads Whop's error shapes with the real status. A subclass's is.
  const parseError =
    parse === OAuth2Strategy.prototype.parseErrorResponse
      ? undefined
      : (body: string, status: number): unknown => parse.call(strategy, body, status);
  const tokens = await exchanger.tokens.exchange(
    login.code,
    params,
    login.nonce,
    deadline,
    parseError,
  );
  // Whop's token response does not say which company the tokens are for, and a refresh must
  // name the same one: tell the verify function what this login asked for.
  if (login.company !== undefined)
    (tokens.tokenParams as { company_id?: string }).company_id = login.company;
  return tokens;
}

/** passport-oauth2's token step through a replaced `_oauth2.getOAuthAccessToken`. */
function replacedExchange(
  strategy: OAuth2Members,
  code: string,
  params: Record<string, unknown>,
): Promise<ExchangedTokens> {
  return new Promise((resolve, reject) => {
    strategy._oauth2.getOAuthAccessToken(
      code,
      params,
      (err, accessToken, refreshToken, tokenParams) => {
        if (err) return reject(strategy._createOAuthError('Failed to obtain access token', err));
        if (!accessToken) return reject(new Error('Failed to obtain access token'));
        resolve({ accessToken, refreshToken, tokenParams: tokenParams as WhopTokenParams });
      },
    );
  });
}

// passport-oauth2-refresh's refreshes (node-oauth's getOAuthAccessToken with
// grant_type=refresh_token) through the strategy's refresh lock, so that they too make one request
// to Whop per refresh token across processes, and share it with refreshAccessToken's callers.
import type { RefreshLock } from '../stores/refresh-lock.js';
import type { WhopFlow } from '../options.js';
import { placeCompany, type ExchangeMethod, type TokenExchange } from './exchange.js';
import { limitedTo, type HttpSettings } from './http.js';
import { toTokenParams, toWhopTokens, unixNow, type WhopTokenParams } from './tokens.js';
import type { WhopTokens } from '../refresh.js';

/** What node-oauth's callback receives after a refresh. */
interface Refreshed {
  readonly accessToken: string;
  /** Undefined when Whop sent no new refresh token, as passport-oauth2-refresh reports it. */
  readonly refreshToken: string | undefined;
  readonly tokenParams: WhopTokenParams;
}

/** The callback's arguments from tokens a refresh shared (made here or in another process). */
function refreshed(tokens: WhopTokens, company: string | undefined): Refreshed {
  const sent = tokens.params.refresh_token;
  const tokenParams: Record<string, unknown> = { ...toTokenParams(tokens.params) };
  // The holder's expiry, so every caller of one refresh stores the same one.
  if (tokens.expiresAt !== undefined) tokenParams.expires_at = tokens.expiresAt;
  if (company !== undefined) tokenParams.company_id = company;
  return {
    accessToken: tokens.accessToken,
    refreshToken: typeof sent === 'string' && sent !== '' ? sent : undefined,
    tokenParams: tokenParams as WhopTokenParams,
  };
}

/**
 * node-oauth's `getOAuthAccessToken` for a strategy with a `refreshLock`: a refresh goes through
 * the lock (one request per refresh token and company across processes; the request itself is
 * the exchange's, with the form passport-oauth2-refresh asked for); a code goes on as before.
 */
export function lockedMethod(
  tokens: TokenExchange,
  lock: RefreshLock,
  flow: WhopFlow,
  http: HttpSettings,
): ExchangeMethod {
  const refresh = async (refreshToken: string, params: Record<string, unknown>) => {
    // The company this refresh names, as the exchange will send it (a TypeError if it names two).
    const company = placeCompany({ ...params }, flow);
    const shared = await lock.coordinate({
      refreshToken,
      companyId: company,
      timeout: http.timeout,
      refresh: async (timeout) => {
        const now = unixNow();
        const { json } = await tokens.exchange(
          refreshToken,
          params,
          undefined,
          undefined,
          undefined,
          limitedTo(http, timeout),
        );
        return toWhopTokens(json, refreshToken, now);
      },
    });
    return refreshed(shared, company);
  };
  return (code, params, callback) => {
    if (params?.grant_type !== 'refresh_token') return tokens.method(code, params, callback);
    refresh(code, params).then(
      ({ accessToken, refreshToken, tokenParams }) =>
        process.nextTick(() => callback(null, accessToken, refreshToken, tokenParams)),
      (error: Error) => process.nextTick(() => callback(error)),
    );
  };
}

import { createHash } from 'node:crypto';
import type { TokenExchange, TokenForm } from './exchange.js';
import { limitedTo, type HttpSettings } from './http.js';
import { encodeForm } from './request-format.js';
import { scrubError } from './scrub.js';
import type { RefreshLock } from '../stores/refresh-lock.js';
import { toTokenParams, toWhopTokens, type WhopTokenParams, type WhopTokens } from './tokens.js';

/** A refresh's outcome, shared by every caller of one refresh. */
export interface Refreshed {
  /** What `refreshAccessToken` resolves: frozen, the same object for every caller. */
  readonly tokens: WhopTokens;
  /** node-oauth's `results`, as passport-oauth2-refresh's callback receives them. */
  readonly tokenParams: WhopTokenParams;
  /** The refresh token Whop sent, if it sent one. */
  readonly sent: string | undefined;
}

/** A refresh's outcome, frozen: every caller of a shared refresh gets these objects. */
function refreshed(
  tokens: WhopTokens,
  sent: string | undefined,
  tokenParams: WhopTokenParams,
): Refreshed {
  return Object.freeze({ tokens, sent, tokenParams: Object.freeze(tokenParams) });
}

/** What a {@link Refresher} sends with: its client's token exchange, transport and secret. */
export interface RefresherSettings {
  /** The client's token exchange, which builds and sends the refresh form. */
  readonly tokens: TokenExchange;
  /** The client's timeout and agent, the agent read at each request. */
  readonly http: HttpSettings;
  /** Where a refresh is coordinated with other processes (the `refreshLock` option). */
  readonly refreshLock: RefreshLock | undefined;
  /** Undefined only for a public client of the OAuth 2.1 flow; for scrubbing errors. */
  readonly clientSecret: string | undefined;
}

/**
 * A client's one refresh path, for `refreshAccessToken` and passport-oauth2-refresh alike: the
 * refreshes in flight in this process, and with a `refreshLock` the one across processes.
 *
 * @internal
 */
export class Refresher {
  /** The refreshes in flight, keyed by a hash of the refresh token and the rest of the form. */
  private readonly refreshes = new Map<string, Promise<Refreshed>>();

  constructor(private readonly settings: RefresherSettings) {}

  /**
   * New tokens for `refreshToken`. `params` are the form's other fields (a company as
   * `company_id` or inside `scope`). Concurrent refreshes of one token with the same fields share
   * one request and its outcome: Whop rotates refresh tokens, so a second request with the same
   * one would fail.
   */
  refresh(
    refreshToken: string,
    params: Readonly<Record<string, unknown>> = {},
  ): Promise<Refreshed> {
    let form: TokenForm;
    try {
      form = this.settings.tokens.form(refreshToken, { ...params, grant_type: 'refresh_token' });
    } catch (error) {
      return Promise.reject(error as Error);
    }
    // The token as a hash, so the table never holds it; beside it the other fields (the company
    // among them) in name order, so the same request is one key however its fields were given.
    const { refresh_token: _token, client_secret: _secret, ...rest } = form.form;
    const fields = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)));
    const key = `${createHash('sha256').update(refreshToken).digest('base64url')} ${encodeForm(fields)}`;
    const pending = this.refreshes.get(key);
    if (pending) return pending;
    // Removed once settled, before any caller sees the outcome: a later call asks Whop again.
    const request = this.exchange(refreshToken, form).finally(() => {
      if (this.refreshes.get(key) === request) this.refreshes.delete(key);
    });
    this.refreshes.set(key, request);
    return request;
  }

  /**
   * One refresh, in this process or, with a `refreshLock`, in whichever process took the lock:
   * every caller in every process gets the same tokens (or the same error).
   */
  private async exchange(refreshToken: string, form: TokenForm): Promise<Refreshed> {
    const { tokens: exchange, http: settings, refreshLock: lock } = this.settings;
    if (lock === undefined) {
      const { json, refreshToken: sent, tokenParams } = await exchange.send(refreshToken, form);
      return refreshed(toWhopTokens(json, refreshToken, tokenParams), sent, tokenParams);
    }
    try {
      const tokens = await lock.coordinate({
        refreshToken,
        companyId: form.company,
        timeout: settings.timeout,
        // The lock gives the request less than the whole timeout: the rest is for waiting.
        refresh: async (timeout) => {
          const http = limitedTo(settings, timeout);
          const answer = await exchange.send(
            refreshToken,
            form,
            undefined,
            undefined,
            undefined,
            http,
          );
          return toWhopTokens(answer.json, refreshToken, answer.tokenParams);
        },
      });
      // Tokens another process got: node-oauth's results rebuilt from Whop's answer, with the
      // holder's expiry, so every caller stores the same one.
      const tokenParams: Record<string, unknown> = { ...toTokenParams(tokens.params) };
      if (tokens.expiresAt !== undefined) tokenParams.expires_at = tokens.expiresAt;
      if (form.company !== undefined) tokenParams.company_id = form.company;
      const sent = tokens.params.refresh_token;
      return refreshed(
        tokens,
        typeof sent === 'string' ? sent : undefined,
        tokenParams as WhopTokenParams,
      );
    } catch (error) {
      // An error another process shared was scrubbed there; this is for a lock of the app's own.
      throw scrubError(error, [refreshToken, this.settings.clientSecret]);
    }
  }
}

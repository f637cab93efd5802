import { randomBytes } from 'node:crypto';
import { MockError } from './wire.js';

/** Whop's authorization codes expire after 5 minutes. */
export const CODE_LIFETIME_MS = 5 * 60 * 1000;

/** One user's approval of one client: what codes and tokens are issued from. */
export interface Grant {
  readonly flow: 'legacy' | 'oauth21';
  readonly clientID: string;
  readonly userID: string;
  /** Legacy: the company ID, when one was asked for. OAuth 2.1: the space-separated scopes. */
  readonly scope?: string;
  /** OAuth 2.1: the company the app acts for. */
  readonly companyID?: string;
  /** OAuth 2.1: the authorize request's `nonce`, for the id_token. */
  readonly nonce?: string;
  /** Whop revokes the connection when one of its codes is exchanged twice. */
  revoked: boolean;
}

export interface CodeRecord {
  readonly grant: Grant;
  readonly redirectURI: string;
  /** OAuth 2.1: the PKCE S256 challenge. */
  readonly codeChallenge?: string;
  readonly expiresAt: number;
  used: boolean;
}

interface TokenRecord {
  readonly grant: Grant;
  readonly kind: 'access' | 'refresh';
  readonly expiresAt: number;
  active: boolean;
  /** A refresh token used once already (rotated out), as opposed to one revoked. */
  rotated?: boolean;
}

/**
 * What the mock does when a rotated-out refresh token is used again: `'refuse'` answers
 * `invalid_grant` and leaves the tokens issued from it working; `'revoke'` also revokes the whole
 * family (every token issued from the same login), as providers with reuse detection do.
 */
export type RefreshTokenReuse = 'refuse' | 'revoke';

export interface TokenPair {
  readonly grant: Grant;
  readonly accessToken: string;
  readonly refreshToken: string;
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Every code and token the mock has issued, kept in Maps. The clock is the mock's, so tests can
 * move time forward.
 */
export class GrantStore {
  private readonly codes = new Map<string, CodeRecord>();
  private readonly tokens = new Map<string, TokenRecord>();

  constructor(
    private readonly now: () => number,
    private readonly tokenLifetimeMs: number,
    private readonly reuse: RefreshTokenReuse = 'refuse',
  ) {}

  issueCode(grant: Grant, redirectURI: string, codeChallenge?: string): string {
    const now = this.now();
    for (const [code, record] of this.codes) {
      if (record.expiresAt <= now) this.codes.delete(code);
    }
    const code = randomToken();
    const expiresAt = now + CODE_LIFETIME_MS;
    this.codes.set(code, { grant, redirectURI, codeChallenge, expiresAt, used: false });
    return code;
  }

  /**
   * The code's record, still unused, for the caller to check further before {@link redeem}.
   * A code presented a second time revokes everything issued from it (RFC 6749 10.5), which is
   * what Whop does: "consuming an authorization code more than once revokes the connection".
   */
  findCode(code: string, clientID: string): CodeRecord {
    const record = this.codes.get(code);
    if (record === undefined || record.grant.clientID !== clientID) {
      throw new MockError(400, 'invalid_grant', 'Authorization code is invalid');
    }
    if (record.used) {
      record.grant.revoked = true;
      throw new MockError(
        400,
        'invalid_grant',
        'Authorization code was already used; the connection has been revoked',
      );
    }
    if (record.expiresAt <= this.now()) {
      throw new MockError(400, 'invalid_grant', 'Authorization code has expired');
    }
    return record;
  }

  /** Use up the code and issue its first tokens. */
  redeem(record: CodeRecord): TokenPair {
    record.used = true;
    return this.issueTokens(record.grant);
  }

  /**
   * An active refresh token of this client, for the caller to check before {@link rotate}. With
   * reuse detection (`'revoke'`), one already rotated out revokes its whole family: whoever
   * presents it may have stolen it, and the tokens issued in its place may be in the wrong hands.
   */
  findRefreshToken(token: string, clientID: string): Grant {
    const record = this.tokens.get(token);
    if (
      this.reuse === 'revoke' &&
      record?.rotated === true &&
      record.grant.clientID === clientID &&
      !record.grant.revoked
    ) {
      record.grant.revoked = true;
      throw new MockError(
        400,
        'invalid_grant',
        'Refresh token was already used; the connection has been revoked',
      );
    }
    if (
      record === undefined ||
      record.kind !== 'refresh' ||
      !record.active ||
      record.grant.revoked ||
      record.grant.clientID !== clientID
    ) {
      throw new MockError(400, 'invalid_grant', 'Refresh token is invalid');
    }
    return record.grant;
  }

  /** Refresh tokens rotate: the one used stops working, and a new pair is issued. */
  rotate(refreshToken: string): TokenPair {
    const record = this.tokens.get(refreshToken)!;
    record.active = false;
    record.rotated = true;
    return this.issueTokens(record.grant);
  }

  /** The grant behind a working access token, or undefined. */
  accessGrant(token: string): Grant | undefined {
    const record = this.tokens.get(token);
    const works =
      record !== undefined &&
      record.kind === 'access' &&
      record.active &&
      !record.grant.revoked &&
      record.expiresAt > this.now();
    return works ? record.grant : undefined;
  }

  /**
   * Revoke a refresh token of this client: it stops working. As at Whop, access tokens cannot be
   * revoked (they expire, within an hour): revoking one, or the refresh token issued with it,
   * leaves it working until then. Any other token is ignored, as RFC 7009 answers unknown tokens.
   */
  revoke(token: string, clientID: string): void {
    const record = this.tokens.get(token);
    if (record === undefined || record.grant.clientID !== clientID) return;
    if (record.kind === 'refresh') record.active = false;
  }

  private issueTokens(grant: Grant): TokenPair {
    const accessToken = randomToken();
    const refreshToken = randomToken();
    const expiresAt = this.now() + this.tokenLifetimeMs;
    this.tokens.set(accessToken, { grant, kind: 'access', expiresAt, active: true });
    // How long Whop's refresh tokens live is unknown: here they live until used or revoked.
    this.tokens.set(refreshToken, { grant, kind: 'refresh', expiresAt: Infinity, active: true });
    return { grant, accessToken, refreshToken };
  }
}

// The floor of the OAuth 2.1 logins: the least a Passport strategy can do for the same login as
// WhopStrategy's `flow: 'oauth2.1'` and openid-client. PKCE S256, state and nonce in the session;
// the code exchange, the ID token's ES256 signature, `iss`, `aud`, `exp`, `sub` and `nonce`
// checked with node:crypto against the JWKS (fetched once, kept for good), then userinfo; every
// request with raw node:http (bench/logins/floor.ts), with no timeout, size cap or error mapping.
import {
  createHash,
  createPublicKey,
  randomBytes,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import type { Request } from 'express';
import passport from 'passport';
import { call, type Verify } from './floor.js';

export interface FloorOIDCOptions {
  readonly clientID: string;
  readonly clientSecret: string;
  readonly authorizationURL: string;
  readonly tokenURL: string;
  readonly userProfileURL: string;
  readonly jwksURL: string;
  readonly issuer: string;
  readonly scope: string;
  /** A path, resolved against the request's Host header. */
  readonly callbackURL: string;
}

interface Saved {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

const SESSION_KEY = 'floor-oauth21';
const random = () => randomBytes(32).toString('base64url');

/** JSON of a 200 answer, or the error. */
function json<T>(err: Error | null, status: number | undefined, body: string | undefined): T {
  if (err || status !== 200) throw err ?? new Error(`HTTP ${status}`);
  return JSON.parse(body!) as T;
}

export class FloorOIDCStrategy extends passport.Strategy {
  override name = 'floor-oauth21';
  // In a holder: passport runs each request on Object.create(strategy), so a field assigned
  // during a request would land on that request's object and the keys be fetched every login.
  private readonly jwks: { keys?: Promise<Map<string, KeyObject>> } = {};

  constructor(
    private readonly options: FloorOIDCOptions,
    private readonly verify: Verify,
  ) {
    super();
  }

  override authenticate(req: Request): void {
    const session = req.session as unknown as Record<string, unknown>;
    const { code, state } = req.query as Record<string, string | undefined>;
    const redirectURI = `http://${req.headers.host}${this.options.callbackURL}`;
    if (!code) {
      const saved: Saved = { state: random(), nonce: random(), verifier: random() };
      session[SESSION_KEY] = saved;
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: this.options.clientID,
        redirect_uri: redirectURI,
        scope: this.options.scope,
        state: saved.state,
        nonce: saved.nonce,
        code_challenge: createHash('sha256').update(saved.verifier).digest('base64url'),
        code_challenge_method: 'S256',
      });
      return this.redirect(`${this.options.authorizationURL}?${query}`);
    }
    const saved = session[SESSION_KEY] as Saved | undefined;
    delete session[SESSION_KEY];
    if (saved === undefined || saved.state !== state)
      return this.fail({ message: 'Invalid state.' }, 403);
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectURI,
      client_id: this.options.clientID,
      client_secret: this.options.clientSecret,
      code_verifier: saved.verifier,
    }).toString();
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(form)),
      accept: 'application/json',
    };
    call(this.options.tokenURL, { method: 'POST', headers, body: form }, (err, status, body) => {
      let tokens: { access_token: string; refresh_token?: string; id_token?: string };
      try {
        tokens = json(err, status, body);
      } catch (error) {
        return this.error(error as Error);
      }
      this.checkIdToken(tokens.id_token, saved.nonce).then(
        () => this.loadUserinfo(tokens.access_token, tokens.refresh_token),
        (error: Error) => this.error(error),
      );
    });
  }

  /** Whop's keys by `kid`, fetched on first use. */
  private keysByKid(): Promise<Map<string, KeyObject>> {
    this.jwks.keys ??= new Promise((resolve, reject) => {
      const headers = { accept: 'application/json' };
      call(this.options.jwksURL, { method: 'GET', headers }, (err, status, body) => {
        try {
          const { keys } = json<{ keys: (JsonWebKey & { kid: string })[] }>(err, status, body);
          resolve(
            new Map(keys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: 'jwk' })])),
          );
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    return this.jwks.keys;
  }

  private async checkIdToken(idToken: string | undefined, nonce: string): Promise<void> {
    const [header, payload, signature] = idToken?.split('.') ?? [];
    if (!header || !payload || !signature) throw new Error('no ID token');
    const { alg, kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as {
      alg?: string;
      kid?: string;
    };
    const key = (await this.keysByKid()).get(kid ?? '');
    if (alg !== 'ES256' || key === undefined) throw new Error('ID token: not ES256 by a known key');
    const signed = Buffer.from(`${header}.${payload}`);
    const sig = Buffer.from(signature, 'base64url');
    if (!verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, sig))
      throw new Error('ID token: bad signature');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const aud = claims.aud;
    if (
      claims.iss !== this.options.issuer ||
      (aud !== this.options.clientID &&
        !(Array.isArray(aud) && aud.includes(this.options.clientID))) ||
      typeof claims.exp !== 'number' ||
      claims.exp * 1000 <= Date.now() ||
      typeof claims.sub !== 'string' ||
      claims.nonce !== nonce
    )
      throw new Error('ID token: a claim does not check out');
  }

  private loadUserinfo(accessToken: string, refreshToken: string | undefined): void {
    const headers = { authorization: `Bearer ${accessToken}`, accept: 'application/json' };
    call(this.options.userProfileURL, { method: 'GET', headers }, (err, status, body) => {
      let info: { sub: string; name?: string };
      try {
        info = json(err, status, body);
      } catch (error) {
        return this.error(error as Error);
      }
      this.verify(
        accessToken,
        refreshToken,
        { id: info.sub, displayName: info.name },
        (error, user) => (error ? this.error(error) : user ? this.success(user) : this.fail()),
      );
    });
  }
}

// The floor of the legacy flow's logins: the least a Passport strategy can do for the same login,
// so the table shows what each strategy library costs above it. It keeps the state in the session
// and makes the same two requests (the code exchange, the profile) with node:http, and nothing
// else: no timeout, no size cap, no error mapping, no single-use code record. With `accessURL`,
// the access flow's floor: one more request, the access check, before verify.
import { randomBytes } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import type { Request } from 'express';
import passport from 'passport';

export type Verify = (
  accessToken: string,
  refreshToken: string | undefined,
  profile: { id: string; displayName?: string },
  done: (err: Error | null, user?: Express.User) => void,
) => void;

export interface FloorOptions {
  readonly clientID: string;
  readonly clientSecret: string;
  readonly authorizationURL: string;
  readonly tokenURL: string;
  readonly userProfileURL: string;
  /** A path, resolved against the request's Host header. */
  readonly callbackURL: string;
  /** The access check's URL for a user: asked after the profile, a `has_access: false` fails. */
  readonly accessURL?: (userId: string) => string;
}

const SESSION_KEY = 'floor:state';

/** One request's whole answer as a string, or the transport error. */
export function call(
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  done: (err: Error | null, status?: number, body?: string) => void,
): void {
  const req = request(
    url,
    { method: init.method, headers: init.headers },
    (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done(null, res.statusCode, body));
      res.on('error', done);
    },
  );
  req.on('error', done);
  req.end(init.body);
}

/** A Passport strategy on passport-strategy (passport's own `Strategy`) and node:http alone. */
export class FloorStrategy extends passport.Strategy {
  override name = 'floor';

  constructor(
    private readonly options: FloorOptions,
    private readonly verify: Verify,
  ) {
    super();
  }

  override authenticate(req: Request): void {
    const session = req.session as unknown as Record<string, unknown>;
    const { code, state } = req.query as Record<string, string | undefined>;
    const redirectURI = `http://${req.headers.host}${this.options.callbackURL}`;
    if (!code) {
      const handle = randomBytes(24).toString('base64url');
      session[SESSION_KEY] = handle;
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: this.options.clientID,
        redirect_uri: redirectURI,
        state: handle,
      });
      return this.redirect(`${this.options.authorizationURL}?${query}`);
    }
    const expected = session[SESSION_KEY];
    delete session[SESSION_KEY];
    if (typeof expected !== 'string' || expected !== state) {
      return this.fail({ message: 'Invalid authorization request state.' }, 403);
    }
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: this.options.clientID,
      client_secret: this.options.clientSecret,
      redirect_uri: redirectURI,
    }).toString();
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(form)),
      accept: 'application/json',
    };
    call(this.options.tokenURL, { method: 'POST', headers, body: form }, (err, status, body) => {
      if (err || status !== 200) return this.error(err ?? new Error(`token: HTTP ${status}`));
      let tokens: { access_token: string; refresh_token?: string };
      try {
        tokens = JSON.parse(body!) as typeof tokens;
      } catch (error) {
        return this.error(error as Error);
      }
      this.loadProfile(tokens.access_token, tokens.refresh_token);
    });
  }

  private loadProfile(accessToken: string, refreshToken: string | undefined): void {
    const headers = { authorization: `Bearer ${accessToken}`, accept: 'application/json' };
    call(this.options.userProfileURL, { method: 'GET', headers }, (err, status, body) => {
      if (err || status !== 200) return this.error(err ?? new Error(`profile: HTTP ${status}`));
      let profile: { id: string; name?: string };
      try {
        profile = JSON.parse(body!) as typeof profile;
      } catch (error) {
        return this.error(error as Error);
      }
      const { accessURL } = this.options;
      if (accessURL === undefined) return this.finish(accessToken, refreshToken, profile);
      call(accessURL(profile.id), { method: 'GET', headers }, (err, status, body) => {
        if (err || status !== 200) return this.error(err ?? new Error(`access: HTTP ${status}`));
        let answer: { has_access?: boolean };
        try {
          answer = JSON.parse(body!) as typeof answer;
        } catch (error) {
          return this.error(error as Error);
        }
        if (answer.has_access !== true) return this.fail({ message: 'no access' }, 403);
        this.finish(accessToken, refreshToken, profile);
      });
    });
  }

  private finish(
    accessToken: string,
    refreshToken: string | undefined,
    profile: { id: string; name?: string },
  ): void {
    this.verify(
      accessToken,
      refreshToken,
      { id: profile.id, displayName: profile.name },
      (error, user) => (error ? this.error(error) : user ? this.success(user) : this.fail()),
    );
  }
}

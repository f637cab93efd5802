// The throwaway app of the tarball test (test/tarball/run.ts). Copied twice into an app that
// installed the packed package, once under `"type": "commonjs"` and once under `"type": "module"`,
// type-checked and compiled by tsc (strict, module node16, skipLibCheck false), then run: it logs
// the mock user in through Express in both of Whop's flows and prints what it saw, as JSON.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { WhopStrategy, withParams, type WhopProfile, type WhopTokenParams } from 'passport-whop';
import { MOCK_USER, startMockWhop, type MockWhop } from 'passport-whop/testing';

type Flow = 'legacy' | 'oauth2.1';

interface LoggedIn {
  id: string;
  username: string | undefined;
  /** `params.id_token_claims.sub`: present only in the OAuth 2.1 flow. */
  sub?: string;
}

// The params form: `params.id_token_claims` shows the OAuth 2.1 flow checked the ID token.
const verify = withParams(
  async (
    _accessToken: string,
    _refreshToken: string | undefined,
    params: WhopTokenParams,
    profile: WhopProfile,
  ): Promise<LoggedIn> => ({
    id: profile.id,
    username: profile.username,
    sub: params.id_token_claims?.sub,
  }),
);

function cookieOf(response: Response): string | undefined {
  return response.headers.get('set-cookie')?.split(';')[0];
}

/** One login through an Express app: the redirect to the mock, Approve, the callback, `/me`. */
async function logIn(whop: MockWhop, flow: Flow): Promise<LoggedIn> {
  const app = express();
  app.use(session({ secret: 'tarball-test', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.get('/auth/whop', passport.authenticate(flow));
  app.get('/auth/whop/callback', passport.authenticate(flow, { successRedirect: '/me' }));
  app.get('/me', (req, res) => {
    res.json(req.user ?? null);
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const callbackURL = `${base}/auth/whop/callback`;
    const strategy =
      flow === 'legacy'
        ? new WhopStrategy(whop.strategyOptions({ callbackURL }), verify)
        : new WhopStrategy(whop.strategyOptions({ flow, callbackURL }), verify);
    passport.use(flow, strategy);

    const start = await fetch(`${base}/auth/whop`, { redirect: 'manual' });
    const location = start.headers.get('location');
    if (start.status !== 302 || !location) throw new Error(`/auth/whop answered ${start.status}`);
    const callback = await fetch(await whop.approve(location), {
      headers: { cookie: cookieOf(start) ?? '' },
      redirect: 'manual',
    });
    if (callback.headers.get('location') !== '/me') {
      throw new Error(`the callback answered ${callback.status}: ${await callback.text()}`);
    }
    const me = await fetch(`${base}/me`, { headers: { cookie: cookieOf(callback) ?? '' } });
    return (await me.json()) as LoggedIn;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

async function main(): Promise<void> {
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const whop = await startMockWhop();
  try {
    const legacy = await logIn(whop, 'legacy');
    const oauth21 = await logIn(whop, 'oauth2.1');
    // `require` exists only in CommonJS: the test checks each copy ran in the system it meant.
    const system = typeof require === 'function' ? 'commonjs' : 'module';
    console.log(JSON.stringify({ system, expected: MOCK_USER.id, legacy, oauth21 }));
  } finally {
    await whop.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

// Log in with Whop in a Fastify app: @fastify/passport runs the strategy, @fastify/secure-session
// keeps the CSRF state and the logged-in user in an encrypted cookie.
import { Authenticator } from '@fastify/passport';
import fastifySecureSession from '@fastify/secure-session';
import Fastify, { type FastifyInstance } from 'fastify';
import { WhopStrategy } from 'passport-whop';

/** What the app needs to know; the URLs only to point it at another Whop (a mock, a proxy). */
export interface WhopSettings {
  clientID: string;
  clientSecret: string;
  /** As registered on Whop, or a path resolved against each request's host. */
  callbackURL: string;
  /** The session cookie's key, 32 random bytes (`npx @fastify/secure-session > secret-key`). */
  sessionKey: Buffer;
  authorizationURL?: string;
  tokenURL?: string;
  userProfileURL?: string;
}

interface User {
  id: string;
  username: string;
  displayName: string;
}

/** The app, ready to `listen({ port: 3000 })`. */
export async function createApp({
  sessionKey,
  ...options
}: WhopSettings): Promise<FastifyInstance> {
  const passport = new Authenticator();
  passport.use(
    'whop',
    new WhopStrategy(options, async (_accessToken, _refreshToken, profile) => ({
      id: profile.id,
      username: profile.username,
      displayName: profile.displayName,
    })),
  );
  // The whole user goes into the cookie; with a database, keep only the id and load it back.
  passport.registerUserSerializer(async (user: User) => user);
  passport.registerUserDeserializer(async (user: User) => user);

  const app = Fastify();
  await app.register(fastifySecureSession, {
    key: sessionKey,
    cookie: { path: '/', httpOnly: true, sameSite: 'lax' }, // lax: sent on Whop's redirect back
  });
  await app.register(passport.initialize());
  await app.register(passport.secureSession());

  app.get('/auth/whop', { preValidation: passport.authenticate('whop') }, async () => {});
  // A refused login answers 401; pass { failureRedirect: '/login' } to redirect instead.
  app.get(
    '/auth/whop/callback',
    { preValidation: passport.authenticate('whop') },
    async (_request, reply) => reply.redirect('/'),
  );
  app.get('/', async (request) => ({ user: request.user ?? null }));
  return app;
}

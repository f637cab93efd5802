// A Whop app (embedded in whop.com) in Fastify: @fastify/passport runs WhopAppStrategy on each
// request, without a session; the experience page is for the experience's members.
import { randomBytes } from 'node:crypto';
import { Authenticator } from '@fastify/passport';
import fastifySecureSession from '@fastify/secure-session';
import Fastify, { type FastifyInstance } from 'fastify';
import { WhopAppStrategy, type WhopAppStrategyOptions } from 'passport-whop';

/** The app, ready to `listen({ port: 3000 })`; `options` are `appId` and `apiKey` from Whop. */
export async function createApp(options: WhopAppStrategyOptions): Promise<FastifyInstance> {
  const passport = new Authenticator();
  passport.use(
    'whop-app',
    new WhopAppStrategy(options, async (user) => ({ id: user.userId, access: user.access })),
  );
  const app = Fastify();
  // @fastify/passport needs a session plugin registered (its flash messages do), even though no
  // request here uses a session: a key of this process's own, since nothing is kept in it.
  await app.register(fastifySecureSession, { key: randomBytes(32) });
  await app.register(passport.initialize());

  app.get<{ Params: { experienceId: string } }>(
    '/experiences/:experienceId',
    {
      // The experience comes from the URL: the options are made per request.
      preValidation: async function (request, reply) {
        const options = { session: false, requireAccess: request.params.experienceId };
        await passport.authenticate('whop-app', options).call(this, request, reply);
      },
    },
    async (request) => ({ user: request.user }),
  );
  return app;
}

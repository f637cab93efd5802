import { expect } from 'chai';
import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PassportModule, PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import session from 'express-session';
import { WhopStrategy, type WhopProfile, type WhopTokenParams } from 'passport-whop';
import {
  createApp,
  WHOP_SETTINGS,
  WhopAuthController,
  type WhopSettings,
} from '../examples/hosts/nestjs.js';
import { MOCK_USER, type MockWhop } from '../src/testing/index.js';
import {
  logIn,
  profileOf,
  ReferenceStrategy,
  register,
  settingsFor,
  startMockWhop,
} from './support/hosts.js';

/** What each validate() below returns: what it was given, in the form it asked for. */
interface Seen {
  id?: string;
  username?: string;
  displayName?: string;
  accessToken?: string;
  refreshToken?: string;
  params?: WhopTokenParams;
  path?: string;
}

const seen = (profile: WhopProfile, extra: Partial<Seen> = {}): Seen => ({
  id: profile?.id,
  username: profile?.username,
  displayName: profile?.displayName,
  ...extra,
});

const optionsOf = ({ sessionSecret: _, ...options }: WhopSettings) => options;

/**
 * The validate forms apps write with @nestjs/passport, each a strategy class on `Base`:
 * without `callbackArity` Nest's wrapper declares no parameters (the profile form); with
 * `callbackArity: true` it declares validate's parameters plus `done`.
 */
function strategies(Base: typeof WhopStrategy) {
  @Injectable()
  class Profile extends PassportStrategy(Base, 'whop') {
    constructor(@Inject(WHOP_SETTINGS) settings: WhopSettings) {
      super(optionsOf(settings));
    }
    async validate(accessToken: string, refreshToken: string, profile: WhopProfile) {
      return seen(profile, { accessToken, refreshToken });
    }
  }

  @Injectable()
  class ProfileWithArity extends PassportStrategy(Base, 'whop', true) {
    constructor(@Inject(WHOP_SETTINGS) settings: WhopSettings) {
      super(optionsOf(settings));
    }
    async validate(accessToken: string, refreshToken: string, profile: WhopProfile) {
      return seen(profile, { accessToken, refreshToken });
    }
  }

  @Injectable()
  class ParamsWithArity extends PassportStrategy(Base, 'whop', true) {
    constructor(@Inject(WHOP_SETTINGS) settings: WhopSettings) {
      super(optionsOf(settings));
    }
    async validate(
      accessToken: string,
      refreshToken: string,
      params: WhopTokenParams,
      profile: WhopProfile,
    ) {
      return seen(profile, { accessToken, refreshToken, params });
    }
  }

  @Injectable()
  class RequestProfile extends PassportStrategy(Base, 'whop') {
    constructor(@Inject(WHOP_SETTINGS) settings: WhopSettings) {
      super({ ...optionsOf(settings), passReqToCallback: true });
    }
    async validate(req: Request, accessToken: string, refreshToken: string, profile: WhopProfile) {
      return seen(profile, { accessToken, refreshToken, path: req.path });
    }
  }

  @Injectable()
  class RequestProfileWithArity extends PassportStrategy(Base, 'whop', true) {
    constructor(@Inject(WHOP_SETTINGS) settings: WhopSettings) {
      super({ ...optionsOf(settings), passReqToCallback: true });
    }
    async validate(req: Request, accessToken: string, refreshToken: string, profile: WhopProfile) {
      return seen(profile, { accessToken, refreshToken, path: req.path });
    }
  }

  @Injectable()
  class RequestParamsWithArity extends PassportStrategy(Base, 'whop', true) {
    constructor(@Inject(WHOP_SETTINGS) settings: WhopSettings) {
      super({ ...optionsOf(settings), passReqToCallback: true });
    }
    async validate(
      req: Request,
      accessToken: string,
      refreshToken: string,
      params: WhopTokenParams,
      profile: WhopProfile,
    ) {
      return seen(profile, { accessToken, refreshToken, params, path: req.path });
    }
  }

  const profile = 'validate(accessToken, refreshToken, profile)';
  const params = 'validate(accessToken, refreshToken, params, profile)';
  return [
    { strategy: Profile, form: `PassportStrategy(S, 'whop'), ${profile}` },
    { strategy: ProfileWithArity, form: `PassportStrategy(S, 'whop', true), ${profile}` },
    { strategy: ParamsWithArity, form: `PassportStrategy(S, 'whop', true), ${params}` },
    {
      strategy: RequestProfile,
      form: `PassportStrategy(S, 'whop'), passReqToCallback, ${profile.replace('(', '(req, ')}`,
    },
    {
      strategy: RequestProfileWithArity,
      form: `PassportStrategy(S, 'whop', true), passReqToCallback, ${profile.replace('(', '(req, ')}`,
    },
    {
      strategy: RequestParamsWithArity,
      form: `PassportStrategy(S, 'whop', true), passReqToCallback, ${params.replace('(', '(req, ')}`,
    },
  ].map((variant) => ({
    ...variant,
    params: variant.form.includes('params'),
    req: variant.form.includes('req'),
  }));
}

/** The example's app, with another strategy class in place of its WhopAuth. */
async function createAppWith(strategy: Type<unknown>, settings: WhopSettings) {
  @Module({})
  class VariantModule {}
  const module: DynamicModule = {
    module: VariantModule,
    imports: [PassportModule],
    controllers: [WhopAuthController],
    providers: [strategy, { provide: WHOP_SETTINGS, useValue: settings }],
  };
  const app = await NestFactory.create(module, { logger: false });
  app.use(session({ secret: settings.sessionSecret, resave: false, saveUninitialized: false }));
  return app;
}

describe('NestJS (@nestjs/passport)', () => {
  let whop: MockWhop;
  before(async () => {
    whop = await startMockWhop();
  });
  after(() => whop.close());

  async function serve(app: INestApplication): Promise<string> {
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    register(whop, url);
    return url;
  }

  describe('the example app (examples/hosts/nestjs.ts)', () => {
    let app: INestApplication;
    let url: string;
    before(async () => {
      app = await createApp(settingsFor(whop));
      url = await serve(app);
    });
    after(() => app.close());

    it('logs the mock user in with their profile', async () => {
      const { callback } = await logIn(url, whop);
      expect(callback.status).to.equal(200);
      expect(await callback.json()).to.deep.equal({
        id: MOCK_USER.id,
        username: MOCK_USER.username,
        displayName: MOCK_USER.name,
      });
    });

    it('answers 401 when the user denies at Whop', async () => {
      const { callback } = await logIn(url, whop, 'deny');
      expect(callback.status).to.equal(401);
    });
  });

  for (const [name, Base] of [
    ['WhopStrategy', WhopStrategy],
    ["passport-oauth2's OAuth2Strategy", ReferenceStrategy as unknown as typeof WhopStrategy],
  ] as const) {
    for (const { form, strategy, params, req } of strategies(Base)) {
      describe(`${name}: ${form}`, () => {
        let app: INestApplication;
        let url: string;
        let user: Seen;
        before(async () => {
          app = await createAppWith(strategy, settingsFor(whop));
          url = await serve(app);
          const { callback } = await logIn(url, whop);
          user = (await callback.json()) as Seen;
        });
        after(() => app.close());

        it('gets the profile', () =>
          expect([user.id, user.username, user.displayName]).to.deep.equal([
            MOCK_USER.id,
            MOCK_USER.username,
            MOCK_USER.name,
          ]));
        it('gets an access token the mock accepts', async () =>
          expect((await profileOf(whop, user.accessToken!)).id).to.equal(MOCK_USER.id));
        it('gets a refresh token', () => expect(user.refreshToken).to.be.a('string').and.not.empty);
        if (params) {
          it('gets the token params', () =>
            expect(user.params).to.include({
              access_token: user.accessToken,
              token_type: 'bearer',
              expires_in: 3600,
            }));
        }
        if (req) {
          it('gets the request', () => expect(user.path).to.equal('/auth/whop/callback'));
        }
        it('answers 401 when the user denies at Whop', async () => {
          const { callback } = await logIn(url, whop, 'deny');
          expect(callback.status).to.equal(401);
        });
      });
    }
  }
});

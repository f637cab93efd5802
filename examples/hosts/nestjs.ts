// Log in with Whop in a NestJS app: the strategy is a provider, AuthGuard('whop') guards the login
// and callback routes, and express-session keeps the CSRF state between the two.
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Req,
  UseGuards,
  type DynamicModule,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import session from 'express-session';
import { WhopStrategy, type WhopProfile } from 'passport-whop';

/** What the app needs to know; the URLs only to point it at another Whop (a mock, a proxy). */
export interface WhopSettings {
  clientID: string;
  clientSecret: string;
  /** As registered on Whop, or a path resolved against each request's host. */
  callbackURL: string;
  sessionSecret: string;
  authorizationURL?: string;
  tokenURL?: string;
  userProfileURL?: string;
}

export const WHOP_SETTINGS = Symbol('WHOP_SETTINGS');

@Injectable()
export class WhopAuth extends PassportStrategy(WhopStrategy, 'whop') {
  // @Inject names the provider: without emitDecoratorMetadata (tsx, esbuild, Vite) Nest cannot
  // read a constructor parameter's type.
  constructor(@Inject(WHOP_SETTINGS) { sessionSecret: _, ...options }: WhopSettings) {
    super(options);
  }

  // Find or create your user here; return null (or throw) to refuse the login.
  async validate(_accessToken: string, _refreshToken: string | undefined, profile: WhopProfile) {
    return { id: profile.id, username: profile.username, displayName: profile.displayName };
  }
}

@Controller('auth/whop')
export class WhopAuthController {
  // The guard redirects to Whop's authorize page: the handler never runs.
  @Get()
  @UseGuards(AuthGuard('whop'))
  login() {}

  // The guard exchanges the code and runs validate(); a refused login answers 401.
  @Get('callback')
  @UseGuards(AuthGuard('whop'))
  callback(@Req() req: Request) {
    return req.user; // start your session or issue your JWT here
  }
}

@Module({})
export class AppModule {
  static register(settings: WhopSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [PassportModule],
      controllers: [WhopAuthController],
      providers: [WhopAuth, { provide: WHOP_SETTINGS, useValue: settings }],
    };
  }
}

/** The app, ready to `listen(3000)`. */
export async function createApp(settings: WhopSettings): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.register(settings), { logger: false });
  app.use(session({ secret: settings.sessionSecret, resave: false, saveUninitialized: false }));
  return app;
}

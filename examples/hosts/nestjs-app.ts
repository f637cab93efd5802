// A Whop app (embedded in whop.com) in NestJS: WhopAppStrategy is a provider, and a guard passes
// each request's experience as requireAccess; no session.
import {
  Controller,
  ForbiddenException,
  Get,
  Inject,
  Injectable,
  Module,
  Req,
  UnauthorizedException,
  UseGuards,
  type DynamicModule,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { WhopAppStrategy, type WhopAppStrategyOptions, type WhopAppUser } from 'passport-whop';

export const WHOP_APP_OPTIONS = Symbol('WHOP_APP_OPTIONS');

@Injectable()
export class WhopApp extends PassportStrategy(WhopAppStrategy, 'whop-app') {
  // @Inject names the provider: without emitDecoratorMetadata (tsx, esbuild) Nest cannot read a
  // constructor parameter's type.
  constructor(@Inject(WHOP_APP_OPTIONS) options: WhopAppStrategyOptions) {
    super(options);
  }

  // Find or create your user here; return null (or throw) to refuse the request.
  async validate(user: WhopAppUser) {
    return { id: user.userId, access: user.access };
  }
}

/** Members of the experience in the URL only; no session: the token comes with each request. */
@Injectable()
export class MembersOnly extends AuthGuard('whop-app') {
  override getAuthenticateOptions(context: ExecutionContext) {
    const req = context.switchToHttp().getRequest<Request>();
    return { session: false, requireAccess: req.params.experienceId };
  }

  // AuthGuard answers every failure 401: a non-member's is a 403, with the strategy's message.
  override handleRequest<T>(
    err: unknown,
    user: T,
    info: { message?: string },
    _c: unknown,
    status?: number,
  ): T {
    if (err) throw err;
    if (user) return user;
    throw status === 403
      ? new ForbiddenException(info?.message)
      : new UnauthorizedException(info?.message);
  }
}

@Controller('experiences')
export class ExperienceController {
  @Get(':experienceId')
  @UseGuards(MembersOnly)
  show(@Req() req: Request) {
    return { user: req.user };
  }
}

@Module({})
export class AppModule {
  static register(options: WhopAppStrategyOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [PassportModule],
      controllers: [ExperienceController],
      providers: [WhopApp, MembersOnly, { provide: WHOP_APP_OPTIONS, useValue: options }],
    };
  }
}

/** The app, ready to `listen(3000)`; `options` are `appId` and `apiKey` from Whop. */
export async function createApp(options: WhopAppStrategyOptions): Promise<INestApplication> {
  return NestFactory.create(AppModule.register(options), { logger: false });
}

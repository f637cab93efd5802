// A strategy run as Passport runs it (an instance with success/fail/error/redirect/pass added),
// on any request object: a plain Node one, a Fastify or Koa request.
import type { Strategy } from 'passport';

/** How the strategy ended the request. */
export type Ending =
  | { readonly kind: 'success'; readonly user: unknown; readonly info: unknown }
  | { readonly kind: 'fail'; readonly challenge: unknown; readonly status: number | undefined }
  | { readonly kind: 'error'; readonly error: Error }
  | { readonly kind: 'redirect' | 'pass' };

export function runStrategy(
  strategy: Strategy,
  req: object,
  options: Record<string, unknown> = {},
): Promise<Ending> {
  return new Promise((resolve) => {
    const augmented = Object.create(strategy) as Strategy & Record<string, unknown>;
    augmented.success = (user: unknown, info: unknown) => resolve({ kind: 'success', user, info });
    augmented.fail = (challenge: unknown, status?: number) =>
      resolve({ kind: 'fail', challenge, status });
    augmented.error = (error: Error) => resolve({ kind: 'error', error });
    augmented.redirect = () => resolve({ kind: 'redirect' });
    augmented.pass = () => resolve({ kind: 'pass' });
    (augmented.authenticate as (req: object, options: object) => void)(req, options);
  });
}

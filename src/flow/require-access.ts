// `passport.authenticate(name, { requireAccess })`: the resources one request needs access to,
// usually taken from its URL (`req.params.experienceId`), for both strategies.
import { isResourceId, RESOURCE_RULE } from '../options.js';
import { NO_ACCESS } from '../whop/error-codes.js';

export { NO_ACCESS };
/** `requireAccess` named something that is not a company, product or experience ID. */
export const NOT_A_RESOURCE = 'WHOP_NOT_A_RESOURCE';

/** A request refused because of the resources it asked for: it fails with 403 and this `code`. */
export class AccessRefused extends Error {
  /** {@link NO_ACCESS} or {@link NOT_A_RESOURCE}. */
  readonly code: string;
  /** The HTTP status the request fails with. */
  readonly status = 403;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'AccessRefused';
    this.code = code;
  }
}

/**
 * The `requireAccess` of `authenticate()`'s options: undefined when not given, else the resource
 * IDs without repeats. Throws a `TypeError` naming `className` for what only the app's code can
 * get wrong (present but undefined, as `req.params.experienceId` is on a route without that
 * parameter, which would otherwise let everyone in; not a string or a non-empty array of
 * strings), and an {@link AccessRefused} for a string that is not a resource ID (the URL's, so
 * the visitor's doing: a 403, not a 500).
 */
export function requestedAccess(options: object, className: string): readonly string[] | undefined {
  if (!Object.hasOwn(options, 'requireAccess')) return undefined;
  const value = (options as { requireAccess?: unknown }).requireAccess;
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((entry) => typeof entry === 'string'))
    throw new TypeError(
      `${className}: the requireAccess passed to authenticate() must be a resource ID (${RESOURCE_RULE}) or a non-empty array of them${value === undefined ? '; it is undefined (is the route parameter named as in the URL pattern?)' : ''}`,
    );
  if (!list.every(isResourceId))
    throw new AccessRefused(
      NOT_A_RESOURCE,
      `No access: the resource asked for is not a Whop company, product or experience ID (${RESOURCE_RULE})`,
    );
  return [...new Set(list as string[])];
}

// Whop's access check (REST API v1): `GET /api/v1/users/{id}/access/{resource_id}`, answered from
// levels the test sets with `MockWhop#setAccess`, for the user behind the bearer token.
import { appOfApiKey, type MockContext } from './model.js';
import { bearerToken, sendJSON, type Exchange } from './wire.js';

/** What a user may do with a Whop resource, as Whop's access check answers it. */
export type MockAccessLevel = 'admin' | 'customer' | 'no_access';

const LEVELS: ReadonlySet<unknown> = new Set(['admin', 'customer', 'no_access']);
const RESOURCE_ID = /^(?:biz|prod|exp)_[A-Za-z0-9]+$/;
export const ACCESS_PATH = /^\/api\/v1\/users\/([^/]+)\/access\/([^/]+)$/;

/** Each user's level per resource; a pair that was never set is `no_access`. */
export class AccessTable {
  private readonly levels = new Map<string, Map<string, MockAccessLevel>>();

  set(userID: string, resourceID: string, level: MockAccessLevel): void {
    if (typeof userID !== 'string' || userID === '')
      throw new TypeError("MockWhop#setAccess requires a user's id (user_...)");
    if (typeof resourceID !== 'string' || !RESOURCE_ID.test(resourceID))
      throw new TypeError(
        'MockWhop#setAccess requires a resource ID: biz_, prod_ or exp_ followed by letters and digits',
      );
    if (!LEVELS.has(level))
      throw new TypeError(
        "MockWhop#setAccess requires a level: 'admin', 'customer' or 'no_access'",
      );
    const user = this.levels.get(userID) ?? new Map<string, MockAccessLevel>();
    this.levels.set(userID, user);
    user.set(resourceID, level);
  }

  get(userID: string, resourceID: string): MockAccessLevel {
    return this.levels.get(userID)?.get(resourceID) ?? 'no_access';
  }
}

/** Whop's v1 API answers errors as `{ error: { type, message } }`. */
function refuse(exchange: Exchange, status: number, type: string, message: string): void {
  sendJSON(exchange, status, { error: { type, message } });
}

/**
 * `GET /api/v1/users/{id}/access/{resource_id}`: `{ has_access, access_level }`. Asked with an
 * app's API key (a registered client's secret, as Whop documents the call), about any user; with
 * a user's OAuth access token (either flow), about that user only (by ID or username): whether
 * Whop lets one user's token ask about another is not documented.
 */
export function accessCheck(
  exchange: Exchange,
  context: MockContext,
  match: RegExpExecArray,
): void {
  const token = bearerToken(exchange.req);
  const app = token === undefined ? undefined : appOfApiKey(context.clients, token);
  const grant = token === undefined || app ? undefined : context.grants.accessGrant(token);
  const user = context.users.find((u) => u.id === grant?.userID);
  if (app === undefined && (grant === undefined || user === undefined))
    return refuse(
      exchange,
      401,
      'unauthorized',
      'The API key or access token is invalid, expired or revoked',
    );
  let asked: string;
  try {
    asked = decodeURIComponent(match[1]!);
  } catch {
    return refuse(exchange, 400, 'invalid_request', 'The user id is not a valid path segment');
  }
  const resource = match[2]!;
  if (user !== undefined && asked !== user.id && asked !== user.username)
    return refuse(exchange, 403, 'forbidden', "A user's token can only check that user's access");
  if (!RESOURCE_ID.test(resource))
    return refuse(exchange, 404, 'not_found', `No company, product or experience ${resource}`);
  // An API key asks about anyone: a known user by username too.
  const userID = user?.id ?? context.users.find((u) => u.username === asked)?.id ?? asked;
  const level = context.access.get(userID, resource);
  sendJSON(exchange, 200, { has_access: level !== 'no_access', access_level: level });
}

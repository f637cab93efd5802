import type { WhopAccessLevels } from './access.js';

/** A Whop user as Passport strategies describe users (passport-github's shape). */
export interface WhopProfile {
  /** Always `'whop'`, as Passport profiles name their provider. */
  readonly provider: 'whop';
  /** Whop's user ID, `user_...`. */
  readonly id: string;
  /** Whop's username; missing only from OpenID userinfo without the `profile` scope. */
  readonly username: string | undefined;
  /** The user's name, else the username, else an empty string. */
  readonly displayName: string;
  /** Present when Whop gave an email; `verified` only when Whop said (OpenID userinfo). */
  readonly emails?: readonly {
    /** The email address. */
    readonly value: string;
    /** Whether Whop verified it (OpenID userinfo only). */
    readonly verified?: boolean;
  }[];
  /** Present when Whop gave a profile picture. */
  readonly photos?: readonly {
    /** The picture's URL. */
    readonly value: string;
  }[];
  /**
   * Set by logins with `requireAccess`: each required resource's access level, as Whop answered
   * (e.g. `{ prod_abc: 'customer' }`).
   */
  readonly access?: WhopAccessLevels;
  /** The body Whop sent, as text. */
  readonly _raw: string;
  /** The body Whop sent, parsed. */
  readonly _json: Readonly<Record<string, unknown>>;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Map Whop's answer to a profile. Reads both shapes Whop serves: `/api/v5/me` (and the older
 * `/api/v2/oauth/user`): `id, username, name, email, profile_pic_url`; and OpenID userinfo:
 * `sub, preferred_username, name, email, email_verified, picture`.
 * Throws when the body is not a JSON object or names no user id.
 */
export function parseProfile(body: string): WhopProfile {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new TypeError('the profile is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TypeError('the profile is not a JSON object');
  }
  const user = json as Record<string, unknown>;
  const id = text(user.id) ?? text(user.sub);
  if (id === undefined) throw new TypeError('the profile has no user id');

  const username = text(user.username) ?? text(user.preferred_username);
  const email = text(user.email);
  const picture = text(user.profile_pic_url) ?? text(user.picture);
  const verified = typeof user.email_verified === 'boolean' ? user.email_verified : undefined;
  return {
    provider: 'whop',
    id,
    username,
    displayName: text(user.name) ?? username ?? '',
    ...(email && {
      emails: [verified === undefined ? { value: email } : { value: email, verified }],
    }),
    ...(picture && { photos: [{ value: picture }] }),
    _raw: body,
    _json: user,
  };
}

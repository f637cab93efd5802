// The one verify function of every login app: the apps of a flow differ in their strategy and
// nothing else.

/** What each strategy hands its verify function, as far as the apps read it. */
export interface ProfileLike {
  readonly id: string;
  readonly displayName?: string;
}

export type Done = (err: Error | null, user?: Express.User) => void;

/** Profile in, the session's user out: as small as a real app's. */
export function verify(
  _accessToken: string,
  _refreshToken: string | undefined,
  profile: ProfileLike,
  done: Done,
): void {
  done(null, { id: profile.id, name: profile.displayName });
}

/** The resource every access-checked login asks about. */
export const BENCH_RESOURCE = 'prod_Bench0001';

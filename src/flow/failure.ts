import type { WhopErrorCode } from '../whop/error-codes.js';

/** What Passport's `fail` gets from this package: the message, and a stable code to branch on. */
export interface FailureInfo {
  /** Says what happened and what to do, for the user (Passport's `failureMessage`). */
  readonly message: string;
  /** One of the failure codes of `passport-whop`'s error codes (`WHOP_CODE_ALREADY_USED`). */
  readonly code: WhopErrorCode;
}

/**
 * A login that cannot go on, though nothing is broken: a refused state, a code already used,
 * another company, no access. The callback's steps throw it; the callback ends with Passport's
 * `fail({ message, code }, status)`, never `error`.
 *
 * @internal
 */
export class LoginFailure extends Error {
  static {
    Object.defineProperty(this.prototype, 'name', { value: 'LoginFailure' });
  }

  /**
   * @param code - the failure's stable code
   * @param message - what the user is told
   * @param status - the status Passport answers with when nothing else handles the failure
   */
  constructor(
    readonly code: WhopErrorCode,
    message: string,
    readonly status: number = 403,
  ) {
    super(message);
  }

  /** The `info` passed to `fail`. */
  info(): FailureInfo {
    return { message: this.message, code: this.code };
  }
}

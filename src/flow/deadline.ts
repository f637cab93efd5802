import { TIMED_OUT } from '../whop/error-codes.js';
import { internalError, type WhopStep } from '../whop/errors.js';

/**
 * One limit on a whole login callback (the `timeout` option): the state check, the code claim,
 * the token request, the profile, the ID token's keys, and any step added
 * to the login (each a `WhopStep`).
 * One timer per callback, cleared when the steps are done. When it fires, the step running then
 * ends with an `InternalOAuthError` naming it (`Failed to fetch user profile: timed out after
 * 1500 ms`), and every later step refuses to start.
 *
 * Steps run one after another; each registers how to stop itself: {@link send} takes the
 * deadline and ends its request, {@link Deadline.run} races any other promise.
 */
export class Deadline {
  /** When the login's time is up, in milliseconds since the epoch. */
  readonly at: number;
  /** The error the login ended with when time ran out, else undefined. */
  expired: Error | undefined;
  private readonly timer: NodeJS.Timeout;
  private step: WhopStep = 'state';
  private stop: ((error: Error) => void) | undefined;

  constructor(readonly timeout: number) {
    this.at = Date.now() + timeout;
    this.timer = setTimeout(expire, timeout, this);
  }

  /** Milliseconds left, 0 once time is up. */
  remaining(): number {
    return this.expired ? 0 : Math.max(0, this.at - Date.now());
  }

  /**
   * Mark `step` as running until {@link Deadline.release}; `stop` is called with the timeout
   * error if time runs out first. Throws that error at once when time is already up.
   */
  enter(step: WhopStep, stop: (error: Error) => void): void {
    if (this.expired) throw this.expired;
    this.step = step;
    this.stop = stop;
  }

  /** The running step is over. */
  release(): void {
    this.stop = undefined;
  }

  /** `work` as the step `step`: it settles as `work` does, or rejects when time runs out first. */
  run<T>(step: WhopStep, work: PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Handlers first: `work` is settled for, even when time is already up.
      work.then(
        (value) => {
          this.release();
          resolve(value);
        },
        (error: unknown) => {
          this.release();
          reject(error as Error);
        },
      );
      this.enter(step, reject);
    });
  }

  /** Cancel the timer: the login's steps are done (or failed). */
  clear(): void {
    clearTimeout(this.timer);
    this.stop = undefined;
  }

  /** @internal The timer's end: the running step stops with the timeout error. */
  expire(): void {
    const error = internalError(TIMED_OUT, this.step, `timed out after ${this.timeout} ms`);
    this.expired = error;
    const stop = this.stop;
    this.stop = undefined;
    stop?.(error);
  }
}

// A function of the module, not a closure per login.
function expire(deadline: Deadline): void {
  deadline.expire();
}

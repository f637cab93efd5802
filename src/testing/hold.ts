// Token requests the mock leaves unanswered on purpose: a Whop that is slow to answer, for tests
// of what an app does while a refresh is in flight (another process waiting, a process killed).

/** The paths of both flows' token endpoints. */
const TOKEN_PATHS: ReadonlySet<string> = new Set([
  '/api/v3/oauth/token',
  '/v5/oauth/token',
  '/oauth/token',
]);

/** Holds the next token requests: they are neither read nor answered until the mock closes. */
export class TokenHold {
  private remaining = 0;
  private arrived: (() => void) | undefined;

  /** Hold the next `count` token requests; resolves once they have all arrived. */
  hold(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 1) {
      throw new TypeError('MockWhop.holdTokenRequests requires count to be a positive integer');
    }
    if (this.remaining > 0) {
      throw new TypeError(
        'MockWhop.holdTokenRequests: the requests held before have not all arrived',
      );
    }
    this.remaining = count;
    return new Promise((resolve) => (this.arrived = resolve));
  }

  /** Whether this request is one to hold; counts it as arrived if so. */
  takes(path: string): boolean {
    if (this.remaining === 0 || !TOKEN_PATHS.has(path)) return false;
    this.remaining -= 1;
    if (this.remaining === 0) this.arrived?.();
    return true;
  }
}

/**
 * A token bucket: `burst` tokens, refilled at `perMinute` a minute. Pure apart from the clock it is
 * given, so tests drive time by hand.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.perMinute) / 60_000);
      this.last = t;
    }
  }

  /** Take one token if there is one. */
  take(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Whether a token is available, without taking it. */
  available(): boolean {
    this.refill();
    return this.tokens >= 1;
  }
}

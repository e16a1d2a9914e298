import { AppError } from '../../errors/app-error';

export interface StreamLimits {
  /** Most streams one user may hold open on this instance. */
  maxPerUser: number;
  /** Longest a stream stays open; the client reconnects (with a new ticket) if it still wants one. */
  maxDurationMs: number;
  /** How often an open stream checks that its token is still live. */
  recheckMs: number;
}

export interface StreamLease {
  /** Aborted when the stream must end: closed by the client, too old, or its token revoked or expired. */
  signal: AbortSignal;
  release(): void;
}

/**
 * Bounds the live streams of this instance: a capped number per user, a maximum duration, and an end as soon as
 * the token they were opened with is revoked or expires (checked every `recheckMs`, and at its expiry).
 */
export class StreamGuard {
  private readonly open = new Map<string, number>();

  constructor(private readonly limits: StreamLimits) {}

  lease(
    opener: { userId: string; tokenExpiresAt?: Date },
    isTokenLive: () => Promise<boolean>,
    clientSignal?: AbortSignal,
  ): StreamLease {
    const count = this.open.get(opener.userId) ?? 0;
    if (count >= this.limits.maxPerUser) {
      throw new AppError('RATE_LIMITED', `At most ${this.limits.maxPerUser} live streams are open at once per account; close one first`, {
        retryAfter: Math.ceil(this.limits.recheckMs / 1000),
      });
    }
    this.open.set(opener.userId, count + 1);
    const ending = new AbortController();
    const lifetime = Math.min(this.limits.maxDurationMs, opener.tokenExpiresAt ? opener.tokenExpiresAt.getTime() - Date.now() : Infinity);
    const timers = [
      setTimeout(() => ending.abort(new Error('stream too old')), Math.max(0, lifetime)),
      setInterval(() => {
        isTokenLive().then((live) => live || ending.abort(new Error('token no longer live')), () => undefined);
      }, this.limits.recheckMs),
    ];
    for (const timer of timers) timer.unref();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timers[0]);
      clearInterval(timers[1]);
      const left = (this.open.get(opener.userId) ?? 1) - 1;
      if (left > 0) this.open.set(opener.userId, left);
      else this.open.delete(opener.userId);
    };
    return { signal: clientSignal ? AbortSignal.any([clientSignal, ending.signal]) : ending.signal, release };
  }
}

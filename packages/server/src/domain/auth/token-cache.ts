import type { TokenPrincipal } from '@frookoon/db';

interface Entry {
  principal: TokenPrincipal;
  /** Epoch ms after which the token must be looked up again. */
  until: number;
}

/**
 * The principals of tokens seen in the last `ttlMs` (a second by default), so that a client's next request within
 * it costs no statement. A token revoked through this instance leaves the cache at once; one revoked through
 * another instance is still honoured here for at most `ttlMs`. Nothing outlives the token's own expiry.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get(tokenHash: string, now = Date.now()): TokenPrincipal | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until > now) return entry.principal;
    this.entries.delete(tokenHash);
    return undefined;
  }

  remember(tokenHash: string, principal: TokenPrincipal, expiresAt: Date, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.evict(now);
    this.entries.set(tokenHash, { principal, until: Math.min(now + this.ttlMs, expiresAt.getTime()) });
  }

  forgetToken(tokenHash: string): void {
    this.entries.delete(tokenHash);
  }

  forgetUser(userId: string): void {
    for (const [hash, entry] of this.entries) if (entry.principal.userId === userId) this.entries.delete(hash);
  }

  /** Drops the expired entries, or the oldest half when none has expired (a map iterates in insertion order). */
  private evict(now: number): void {
    for (const [hash, entry] of this.entries) if (entry.until <= now) this.entries.delete(hash);
    if (this.entries.size < this.maxEntries) return;
    let drop = Math.ceil(this.entries.size / 2);
    for (const hash of this.entries.keys()) {
      if (drop-- <= 0) break;
      this.entries.delete(hash);
    }
  }
}

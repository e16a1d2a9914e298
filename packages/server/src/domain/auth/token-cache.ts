import type { TokenPrincipal } from '@frookoon/db';

interface Entry {
  principal: TokenPrincipal;
  /** Epoch ms after which the token must be looked up again. */
  until: number;
}

/** The most a revocation made through another instance may go unnoticed here. */
export const REVOCATION_HEARD_WITHIN_MS = 1000;

/**
 * The principals of tokens seen in the last `ttlMs`, so that a client's next request costs no statement. It
 * answers only while it hears revocations: the database announces every revoked token (and every change of a
 * user's role) on a channel the instance listens to (`database-listener.ts`), and the listener confirms, several
 * times a second, that nothing announced has gone unheard. A token revoked through this instance leaves the cache
 * at once; one revoked elsewhere as soon as the announcement arrives. Without a confirmation in the last
 * `REVOCATION_HEARD_WITHIN_MS` (the listener lost or stuck), every token is looked up. Nothing outlives the
 * token's own expiry.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  /** Every revocation committed before this epoch ms has been heard. */
  private heardUntil = Number.NEGATIVE_INFINITY;
  /** Counts revocations; a lookup that began before one may have read a principal that is already revoked. */
  private revision = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get(tokenHash: string, now = Date.now()): TokenPrincipal | undefined {
    if (!this.hearing(now)) return undefined;
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until > now) return entry.principal;
    this.entries.delete(tokenHash);
    return undefined;
  }

  /** Taken before a token is looked up, and handed to `remember` with what the lookup found. */
  mark(): number {
    return this.revision;
  }

  /** Keeps what a lookup begun at `mark` found, unless a revocation was heard since or none can be heard now. */
  remember(tokenHash: string, principal: TokenPrincipal, expiresAt: Date, mark: number, now = Date.now()): void {
    if (this.ttlMs <= 0 || mark !== this.revision || !this.hearing(now)) return;
    if (this.entries.size >= this.maxEntries) this.evict(now);
    this.entries.set(tokenHash, { principal, until: Math.min(now + this.ttlMs, expiresAt.getTime()) });
  }

  forgetToken(tokenHash: string): void {
    this.revision++;
    this.entries.delete(tokenHash);
  }

  forgetUser(userId: string): void {
    this.revision++;
    for (const [hash, entry] of this.entries) if (entry.principal.userId === userId) this.entries.delete(hash);
  }

  /** One announcement from the database: `user:<id>` for every token of a user, else a token's hash. */
  heard(announcement: string): void {
    if (announcement.startsWith('user:')) this.forgetUser(announcement.slice('user:'.length));
    else this.forgetToken(announcement);
  }

  /** The listener's word that every revocation committed before `since` (epoch ms) has been heard. */
  confirmed(since: number): void {
    this.heardUntil = Math.max(this.heardUntil, since);
  }

  /** The listener lost its connection: what was announced meanwhile is lost, so is everything kept. */
  lost(): void {
    this.revision++;
    this.heardUntil = Number.NEGATIVE_INFINITY;
    this.entries.clear();
  }

  private hearing(now: number): boolean {
    return now - this.heardUntil <= REVOCATION_HEARD_WITHIN_MS;
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

import { describe, expect, it } from 'vitest';
import { REVOCATION_HEARD_WITHIN_MS, TokenCache } from '../src/domain/auth/token-cache';

const principal = (userId: string) => ({ userId, role: 'customer' as const, vendorId: null });
const farFuture = new Date(Date.now() + 3_600_000);

/** A cache whose listener confirmed at 0 that it heard every revocation. */
function hearingCache(ttlMs: number, maxEntries?: number): TokenCache {
  const cache = new TokenCache(ttlMs, maxEntries);
  cache.confirmed(0);
  return cache;
}

describe('TokenCache', () => {
  it('answers a token for its time to live only, and never past the token’s own expiry', () => {
    const cache = hearingCache(1000);
    cache.remember('a', principal('u1'), farFuture, cache.mark(), 0);
    cache.confirmed(900);
    expect(cache.get('a', 999)).toEqual(principal('u1'));
    expect(cache.get('a', 1000)).toBeUndefined();
    cache.remember('b', principal('u2'), new Date(1300), cache.mark(), 1000);
    expect(cache.get('b', 1299)).toEqual(principal('u2'));
    expect(cache.get('b', 1300)).toBeUndefined();
  });

  it('forgets a revoked token, or every token of a user, at once, whether revoked here or announced', () => {
    const cache = hearingCache(60_000);
    for (const [hash, user] of [['a', 'u1'], ['b', 'u1'], ['c', 'u2'], ['d', 'u3'], ['e', 'u4']] as const) {
      cache.remember(hash, principal(user), farFuture, cache.mark(), 0);
    }
    cache.forgetToken('a');
    expect(cache.get('a', 1)).toBeUndefined();
    cache.forgetUser('u1');
    expect(cache.get('b', 1)).toBeUndefined();
    cache.heard('d');
    expect(cache.get('d', 1)).toBeUndefined();
    cache.heard('user:u4');
    expect(cache.get('e', 1)).toBeUndefined();
    expect(cache.get('c', 1)).toEqual(principal('u2'));
  });

  it('keeps nothing a lookup found when a revocation was heard while it ran', () => {
    const cache = hearingCache(60_000);
    const mark = cache.mark();
    // The lookup read the token as live; the announcement of its revocation came before the answer.
    cache.heard('a');
    cache.remember('a', principal('u1'), farFuture, mark, 1);
    expect(cache.get('a', 2)).toBeUndefined();
    cache.remember('a', principal('u1'), farFuture, cache.mark(), 3);
    expect(cache.get('a', 4)).toEqual(principal('u1'));
  });

  it('answers nothing unless its listener confirmed hearing every revocation within the last second', () => {
    const never = new TokenCache(60_000);
    never.remember('a', principal('u1'), farFuture, never.mark(), 0);
    expect(never.get('a', 0)).toBeUndefined();

    const cache = hearingCache(60_000);
    cache.remember('a', principal('u1'), farFuture, cache.mark(), 0);
    expect(cache.get('a', REVOCATION_HEARD_WITHIN_MS)).toEqual(principal('u1'));
    // The listener went quiet: the entry is not trusted, though kept should the confirmations resume.
    expect(cache.get('a', REVOCATION_HEARD_WITHIN_MS + 1)).toBeUndefined();
    cache.remember('b', principal('u2'), farFuture, cache.mark(), REVOCATION_HEARD_WITHIN_MS + 1);
    cache.confirmed(REVOCATION_HEARD_WITHIN_MS + 2);
    expect(cache.get('a', REVOCATION_HEARD_WITHIN_MS + 3)).toEqual(principal('u1'));
    expect(cache.get('b', REVOCATION_HEARD_WITHIN_MS + 3)).toBeUndefined();
  });

  it('forgets everything when its listener is lost, and caches again once it is back', () => {
    const cache = hearingCache(60_000);
    const mark = cache.mark();
    cache.remember('a', principal('u1'), farFuture, mark, 0);
    cache.lost();
    cache.remember('b', principal('u2'), farFuture, mark, 1);
    cache.confirmed(2);
    expect(cache.get('a', 3)).toBeUndefined();
    expect(cache.get('b', 3)).toBeUndefined();
    cache.remember('b', principal('u2'), farFuture, cache.mark(), 3);
    expect(cache.get('b', 4)).toEqual(principal('u2'));
  });

  it('keeps nothing when its time to live is 0, and stays within its size', () => {
    const off = hearingCache(0);
    off.remember('a', principal('u1'), farFuture, off.mark(), 0);
    expect(off.get('a', 0)).toBeUndefined();
    const small = hearingCache(1000, 4);
    for (let i = 0; i < 10; i++) small.remember(`t${i}`, principal(`u${i}`), farFuture, small.mark(), 0);
    const kept = Array.from({ length: 10 }, (_, i) => small.get(`t${i}`, 1)).filter(Boolean);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThanOrEqual(4);
    expect(small.get('t9', 1)).toEqual(principal('u9'));
  });
});

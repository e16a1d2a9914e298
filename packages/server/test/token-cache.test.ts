import { describe, expect, it } from 'vitest';
import { TokenCache } from '../src/domain/auth/token-cache';

const principal = (userId: string) => ({ userId, role: 'customer' as const, vendorId: null });
const farFuture = new Date(Date.now() + 3_600_000);

describe('TokenCache', () => {
  it('answers a token for its time to live only, and never past the token’s own expiry', () => {
    const cache = new TokenCache(1000);
    cache.remember('a', principal('u1'), farFuture, 0);
    expect(cache.get('a', 999)).toEqual(principal('u1'));
    expect(cache.get('a', 1000)).toBeUndefined();
    cache.remember('b', principal('u2'), new Date(300), 0);
    expect(cache.get('b', 299)).toEqual(principal('u2'));
    expect(cache.get('b', 300)).toBeUndefined();
  });

  it('forgets a revoked token, or every token of a user, at once', () => {
    const cache = new TokenCache(1000);
    cache.remember('a', principal('u1'), farFuture, 0);
    cache.remember('b', principal('u1'), farFuture, 0);
    cache.remember('c', principal('u2'), farFuture, 0);
    cache.forgetToken('a');
    expect(cache.get('a', 1)).toBeUndefined();
    cache.forgetUser('u1');
    expect(cache.get('b', 1)).toBeUndefined();
    expect(cache.get('c', 1)).toEqual(principal('u2'));
  });

  it('keeps nothing when its time to live is 0, and stays within its size', () => {
    const off = new TokenCache(0);
    off.remember('a', principal('u1'), farFuture, 0);
    expect(off.get('a', 0)).toBeUndefined();
    const small = new TokenCache(1000, 4);
    for (let i = 0; i < 10; i++) small.remember(`t${i}`, principal(`u${i}`), farFuture, 0);
    const kept = Array.from({ length: 10 }, (_, i) => small.get(`t${i}`, 1)).filter(Boolean);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThanOrEqual(4);
    expect(small.get('t9', 1)).toEqual(principal('u9'));
  });
});

import type { EntityManager } from '@mikro-orm/postgresql';
import { IdempotencyKey, type IIdempotencyKey } from '../entities/idempotency-key.entity';

/** The live record of `key` for `userId`; an expired one is removed so the key can be used afresh. */
export async function findLiveIdempotencyKey(em: EntityManager, userId: string, key: string): Promise<IIdempotencyKey | null> {
  const found = await em.findOne(IdempotencyKey, { user: userId, key });
  if (!found) return null;
  if (found.expiresAt.getTime() > Date.now()) return found;
  await em.nativeDelete(IdempotencyKey, { id: found.id });
  return null;
}

/** Removes every expired key; returns how many. */
export async function purgeExpiredIdempotencyKeys(em: EntityManager): Promise<number> {
  return em.nativeDelete(IdempotencyKey, { expiresAt: { $lte: new Date() } });
}

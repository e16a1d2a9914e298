import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Stock, type IStock } from '../entities/stock.entity';

/**
 * Locks the stock rows of `productIds` with one `SELECT … ORDER BY product_id FOR UPDATE`. Every writer of
 * stock takes its locks through here, so all transactions lock in the same global order and cannot deadlock.
 */
export async function lockStock(tx: EntityManager, productIds: readonly string[]): Promise<Map<string, IStock>> {
  const rows = await tx.find(
    Stock,
    { productId: { $in: [...productIds] } },
    { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { productId: 'asc' } },
  );
  return new Map(rows.map((row) => [row.productId, row]));
}

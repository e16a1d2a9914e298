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

/**
 * Under the locks taken by `lockStock`: takes each line's quantity off its stock row and writes the
 * matching `reserve` ledger rows, in one statement.
 */
export async function reserveStock(
  tx: EntityManager,
  lines: readonly { productId: string; quantity: number; movementId: string }[],
  ref: { orderId: string; actorId: string },
): Promise<void> {
  await tx.execute(
    `with x as (select * from jsonb_to_recordset(?::jsonb) as x("productId" uuid, quantity int, "movementId" uuid)),
          u as (update stock s set quantity = s.quantity - x.quantity, updated_at = now() from x where s.product_id = x."productId")
     insert into stock_movement (id, product_id, order_id, kind, delta, actor_id, at)
     select x."movementId", x."productId", ?, 'reserve', -x.quantity, ?, now() from x`,
    [JSON.stringify(lines), ref.orderId, ref.actorId],
    'run',
  );
}

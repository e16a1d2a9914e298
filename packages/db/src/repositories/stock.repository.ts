import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Stock, type IStock } from '../entities/stock.entity';
import { lockObserverOf } from '../lock-observer';

/**
 * Locks the stock rows of `productIds` with one `SELECT … ORDER BY product_id FOR UPDATE`. Every writer of
 * stock takes its locks through here, so all transactions lock in the same global order and cannot deadlock.
 */
export async function lockStock(tx: EntityManager, productIds: readonly string[]): Promise<Map<string, IStock>> {
  const started = performance.now();
  try {
    const rows = await tx.find(
      Stock,
      { productId: { $in: [...productIds] } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { productId: 'asc' } },
    );
    return new Map(rows.map((row) => [row.productId, row]));
  } finally {
    // A wait that ends in a lock timeout is reported too: those are the longest.
    lockObserverOf(tx)?.stockLockWaited((performance.now() - started) / 1000);
  }
}

/**
 * Under the locks taken by `lockStock`: takes each line's quantity off its stock row and writes the
 * matching `reserve` ledger rows (each for its line's order), in one statement.
 */
export async function reserveStock(
  tx: EntityManager,
  lines: readonly { productId: string; quantity: number; movementId: string; orderId: string }[],
  ref: { actorId: string },
): Promise<void> {
  await tx.execute(
    `with x as (select * from jsonb_to_recordset(?::jsonb) as x("productId" uuid, quantity int, "movementId" uuid, "orderId" uuid)),
          u as (update stock s set quantity = s.quantity - x.quantity, updated_at = now() from x where s.product_id = x."productId")
     insert into stock_movement (id, product_id, order_id, kind, delta, actor_id, at)
     select x."movementId", x."productId", x."orderId", 'reserve', -x.quantity, ?, now() from x`,
    [JSON.stringify(lines), ref.actorId],
    'run',
  );
}

export interface LedgerMismatch {
  productId: string;
  quantity: number;
  ledgerTotal: number;
}

/** Products whose stock differs from the sum of their ledger rows (the stock invariant); empty when sound. */
export async function ledgerMismatches(em: EntityManager): Promise<LedgerMismatch[]> {
  const rows = await em.execute<{ productId: string; quantity: number; ledgerTotal: string | number }[]>(
    `select s.product_id as "productId", s.quantity, coalesce(m.total, 0) as "ledgerTotal"
       from stock s
       left join (select product_id, sum(delta) as total from stock_movement group by product_id) m on m.product_id = s.product_id
      where s.quantity <> coalesce(m.total, 0)`,
  );
  return rows.map((r) => ({ productId: r.productId, quantity: r.quantity, ledgerTotal: Number(r.ledgerTotal) }));
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { StockMovementKind } from '../entities/stock-movement.entity';
import { isCheckViolation } from '../errors';
import { afterSteps, statement, type Sql, type Step } from '../sql';

export interface LockedStock {
  productId: string;
  quantity: number;
}

const LOCK_STOCK = statement(
  'lock_stock',
  'select product_id as "productId", quantity from stock where product_id = any($1::uuid[]) order by product_id for update',
);

/**
 * Runs `work`, which waits for stock rows' locks, and reports how long it took to the lock metrics. A wait that ends
 * in a lock timeout is reported too: those are the longest.
 */
export async function waitingForStock<T>(sql: Sql, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    sql.locks?.stockLockWaited((performance.now() - started) / 1000);
  }
}

/**
 * Locks the stock rows of `productIds` with one `SELECT … ORDER BY product_id FOR UPDATE`. Every writer of more
 * than one stock row locks them this way (here, or in `reserveStock`'s batch), so all transactions lock in the same
 * global order and cannot deadlock; `takeStock`, which writes one row, locks it with its update.
 */
export async function lockStock(sql: Sql, productIds: readonly string[]): Promise<Map<string, LockedStock>> {
  const rows = await waitingForStock(sql, () => sql.query<LockedStock>(LOCK_STOCK, [productIds]));
  return new Map(rows.map((row) => [row.productId, row]));
}

const STOCK_OF = statement('stock_of', 'select product_id as "productId", quantity from stock where product_id = any($1::uuid[])');

/** The stock rows of `productIds` as they are, unlocked: what a refusal tells the caller. */
export async function readStock(sql: Sql, productIds: readonly string[]): Promise<Map<string, LockedStock>> {
  const rows = await sql.query<LockedStock>(STOCK_OF, [productIds]);
  return new Map(rows.map((row) => [row.productId, row]));
}

/**
 * The conditional take of one stock row with its `reserve` ledger row, as common table expressions `t` (the row
 * taken, if it was) and `m`; its own values start at `$first`: product, quantity, movement id, order id, actor.
 */
export const takeStockExpressions = (first: number, ref: { orderId?: string; actorId?: string } = {}): string => {
  const [product, quantity, movement, order, actor] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
  return `t as (update stock set quantity = quantity - ${quantity}, updated_at = now() where product_id = ${product} and quantity >= ${quantity} returning product_id),
          m as (insert into stock_movement (id, product_id, order_id, kind, delta, actor_id, reason, at)
                select ${movement}::uuid, product_id, ${ref.orderId ?? `${order}::uuid`}, 'reserve', -${quantity}::int, ${ref.actorId ?? `${actor}::uuid`}, null, now() from t)`;
};

const TAKE_STOCK = statement('take_stock', `with ${takeStockExpressions(1)} select 1 from t`);

/**
 * Takes `quantity` of one product, with its `reserve` ledger row, when that much is in stock, in one statement. The
 * update locks the row itself (a single row has no lock order to keep) and checks the quantity on the row as the
 * lock finds it, so a hot product is held for this statement and the commit only. False when the product is not
 * stocked or is short. `first`: statements of the same transaction sent before it in its round trip (the writes of
 * what the stock is taken for).
 */
export async function takeStock(
  sql: Sql,
  move: { productId: string; quantity: number; movementId: string; orderId: string },
  ref: { actorId: string },
  first: readonly Step[] = [],
): Promise<boolean> {
  const take = { statement: TAKE_STOCK, values: [move.productId, move.quantity, move.movementId, move.orderId, ref.actorId] };
  return (await waitingForStock(sql, () => afterSteps(sql, first, take))).rowCount > 0;
}

export interface StockMove {
  productId: string;
  /** Added to the stock: negative for a reservation. */
  delta: number;
  movementId: string;
  orderId: string | null;
}

const MOVE_STOCK = statement(
  'move_stock',
  `with x as (select * from unnest($1::uuid[], $2::int[], $3::uuid[], $4::uuid[]) as x(product_id, delta, movement_id, order_id)),
        u as (update stock s set quantity = s.quantity + x.delta, updated_at = now() from x where s.product_id = x.product_id
              returning s.product_id, s.quantity, s.updated_at),
        m as (insert into stock_movement (id, product_id, order_id, kind, delta, actor_id, reason, at)
              select x.movement_id, x.product_id, x.order_id, $5, x.delta, $6, $7, now() from x)
   select product_id as "productId", quantity, updated_at as "updatedAt" from u`,
);

const moveStep = (kind: StockMovementKind, moves: readonly StockMove[], ref: { actorId: string | null; reason?: string }): Step => ({
  statement: MOVE_STOCK,
  values: [
    moves.map((m) => m.productId), moves.map((m) => m.delta), moves.map((m) => m.movementId), moves.map((m) => m.orderId),
    kind, ref.actorId, ref.reason ?? null,
  ],
});

/**
 * Under the locks taken by `lockStock`: adds each move's delta to its stock row and writes the matching ledger
 * rows of one kind (each for its move's order), in one statement. Answers the stock rows as they now are.
 */
export async function moveStock(
  sql: Sql,
  kind: StockMovementKind,
  moves: readonly StockMove[],
  ref: { actorId: string | null; reason?: string },
): Promise<{ productId: string; quantity: number; updatedAt: Date }[]> {
  const { statement: s, values } = moveStep(kind, moves, ref);
  return sql.query(s, values);
}

/** The stock's own guard: no row below zero. */
const STOCK_QUANTITY_CHECK = 'stock_quantity_check';

/**
 * Reserves several products in one round trip, after `first` (the writes of what they are reserved for): their rows
 * locked in product order, as `lockStock` locks them, then every quantity taken with its ledger rows in one more
 * statement, on rows no one else can change any more. The stock's CHECK (quantity >= 0) refuses a line that is
 * short, and with it the whole batch: false then, and the transaction is left to be rolled back.
 */
export async function reserveStock(sql: Sql, moves: readonly StockMove[], ref: { actorId: string }, first: readonly Step[] = []): Promise<boolean> {
  try {
    await waitingForStock(sql, () => sql.batch([...first, { statement: LOCK_STOCK, values: [moves.map((m) => m.productId)] }, moveStep('reserve', moves, ref)]));
    return true;
  } catch (err) {
    if (isCheckViolation(err, STOCK_QUANTITY_CHECK)) return false;
    throw err;
  }
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

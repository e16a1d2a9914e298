import { statement, type Sql } from '../sql';
import type { OrderStatus } from '@frookoon/contract';

/** One order to be paid, locked, with the payment attempt already made for its order or checkout, if any. */
export interface PayableOrder {
  id: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  checkoutId: string | null;
  attempt: { id: string; status: string; updatedAt: Date } | null;
}

interface PayableRow {
  id: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  checkoutId: string | null;
  attemptId: string | null;
  attemptStatus: string | null;
  attemptUpdatedAt: string | null;
}

const PAYABLE_COLUMNS = `o.id, o.status, o.total_cents as "totalCents", o.currency, o.checkout_id as "checkoutId",
  a.id as "attemptId", a.status as "attemptStatus", a.updated_at as "attemptUpdatedAt"`;

const LOCK_ORDER_FOR_PAYMENT = statement(
  'lock_order_for_payment',
  `select ${PAYABLE_COLUMNS}
     from customer_order o left join payment_attempt a on a.order_id = o.id
    where o.id = $1 and o.customer_id = $2
      for update of o`,
);

const LOCK_CHECKOUT_FOR_PAYMENT = statement(
  'lock_checkout_for_payment',
  `select ${PAYABLE_COLUMNS}
     from checkout c join customer_order o on o.checkout_id = c.id left join payment_attempt a on a.checkout_id = c.id
    where c.id = $1 and c.customer_id = $2
    order by o.id
      for update of o`,
);

const toPayable = (r: PayableRow): PayableOrder => ({
  id: r.id, status: r.status, totalCents: r.totalCents, currency: r.currency, checkoutId: r.checkoutId,
  attempt: r.attemptId ? { id: r.attemptId, status: r.attemptStatus!, updatedAt: new Date(r.attemptUpdatedAt!) } : null,
});

/**
 * Locks the customer's order, or every order of the customer's checkout in id order (the lock order of all
 * multi-order transactions), in one statement, with the attempt made for it so far. Empty when there is none.
 */
export async function lockPayableOrders(sql: Sql, target: { orderId: string } | { checkoutId: string }, customerId: string): Promise<PayableOrder[]> {
  const rows = 'orderId' in target
    ? await sql.query<PayableRow>(LOCK_ORDER_FOR_PAYMENT, [target.orderId, customerId])
    : await sql.query<PayableRow>(LOCK_CHECKOUT_FOR_PAYMENT, [target.checkoutId, customerId]);
  return rows.map(toPayable);
}

const INSERT_ATTEMPT = statement(
  'insert_payment_attempt',
  `insert into payment_attempt (id, order_id, checkout_id, order_ids, status, amount_cents, currency, created_at, updated_at)
   values ($1, $2, $3, $4::jsonb, 'pending', $5, $6, now(), now())`,
);

/** Records a pending attempt for an order or a checkout, covering `orderIds`. */
export async function insertPaymentAttempt(
  sql: Sql,
  attempt: { id: string; orderId: string | null; checkoutId: string | null; orderIds: readonly string[]; amountCents: number; currency: string },
): Promise<void> {
  await sql.run(INSERT_ATTEMPT, [attempt.id, attempt.orderId, attempt.checkoutId, JSON.stringify(attempt.orderIds), attempt.amountCents, attempt.currency]);
}

const TOUCH_ATTEMPT = statement(
  'touch_payment_attempt',
  `update payment_attempt set updated_at = now() where id = $1
   returning id, order_ids as "orderIds", amount_cents as "amountCents", currency`,
);

/** Takes over a stale pending attempt: touched now, so that no one else takes it while its charge is retried. */
export async function touchPaymentAttempt(sql: Sql, id: string): Promise<{ id: string; orderIds: string[]; amountCents: number; currency: string }> {
  const [row] = await sql.query<{ id: string; orderIds: string[] | string; amountCents: number; currency: string }>(TOUCH_ATTEMPT, [id]);
  return { ...row!, orderIds: typeof row!.orderIds === 'string' ? (JSON.parse(row!.orderIds) as string[]) : row!.orderIds };
}

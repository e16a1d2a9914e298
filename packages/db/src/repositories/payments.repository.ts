import { statement, transactionSettings, type Sql, type Step } from '../sql';
import type { LockedTransactionOptions } from '../transaction';
import type { OrderStatus } from '@frookoon/contract';

/** One order to be paid, locked, with the payment attempt already made for its order or checkout, if any. */
export interface PayableOrder {
  id: string;
  vendorId: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  checkoutId: string | null;
  attempt: { id: string; status: string; updatedAt: Date } | null;
}

interface PayableRow {
  id: string;
  vendorId: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  checkoutId: string | null;
  attemptId: string | null;
  attemptStatus: string | null;
  attemptUpdatedAt: Date | null;
}

const PAYABLE_COLUMNS = `o.id, o.vendor_id as "vendorId", o.status, o.total_cents as "totalCents", o.currency, o.checkout_id as "checkoutId",
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
  id: r.id, vendorId: r.vendorId, status: r.status, totalCents: r.totalCents, currency: r.currency, checkoutId: r.checkoutId,
  attempt: r.attemptId ? { id: r.attemptId, status: r.attemptStatus!, updatedAt: r.attemptUpdatedAt! } : null,
});

/** What one charge pays for: a single order, or the orders of a checkout still pending. */
export type PaymentTarget = { orderId: string } | { checkoutId: string };

const lockPayableStep = (target: PaymentTarget, customerId: string): Step =>
  'orderId' in target
    ? { statement: LOCK_ORDER_FOR_PAYMENT, values: [target.orderId, customerId] }
    : { statement: LOCK_CHECKOUT_FOR_PAYMENT, values: [target.checkoutId, customerId] };

/**
 * Locks the customer's order, or every order of the customer's checkout in id order (the lock order of all
 * multi-order transactions), in one statement, with the attempt made for it so far. Empty when there is none.
 */
export async function lockPayableOrders(sql: Sql, target: PaymentTarget, customerId: string): Promise<PayableOrder[]> {
  const { statement: s, values } = lockPayableStep(target, customerId);
  return (await sql.query<PayableRow>(s, values)).map(toPayable);
}

/**
 * A new pending attempt for a checkout, written only where a first payment may start: the customer's checkout with at
 * least one order still PENDING, covering those, and no attempt made for it before. Its amount, currency and orders
 * are read from the rows themselves.
 */
const INSERT_CHECKOUT_ATTEMPT_IF_PAYABLE = statement(
  'insert_checkout_attempt_if_payable',
  `insert into payment_attempt (id, order_id, checkout_id, order_ids, status, amount_cents, currency, created_at, updated_at)
   select $3::uuid, null, c.id, jsonb_agg(o.id order by o.id), 'pending', sum(o.total_cents), min(o.currency), now(), now()
     from checkout c join customer_order o on o.checkout_id = c.id
    where c.id = $1 and c.customer_id = $2 and o.status = 'PENDING'
      and not exists (select from payment_attempt a where a.checkout_id = c.id)
    group by c.id`,
);

/**
 * An order's lock (its latest version, once any concurrent writer is done), the attempt made for it so far, and a new
 * pending attempt `$3` written only where a first payment may start, in one statement: the customer's order, not
 * part of a checkout, still PENDING once locked, with no attempt made for it before. Its amount and currency are read
 * from the row. Another payer's attempt committed while this one waited for the lock is refused by the unique
 * `order_id` of the attempts.
 */
const LOCK_ORDER_STARTING_ATTEMPT = statement(
  'lock_order_starting_attempt',
  `with o as (select o.id, o.vendor_id, o.status, o.total_cents, o.currency, o.checkout_id
                from customer_order o where o.id = $1 and o.customer_id = $2 for update),
        a as (select a.id, a.status, a.updated_at from payment_attempt a join o on a.order_id = o.id),
        n as (insert into payment_attempt (id, order_id, checkout_id, order_ids, status, amount_cents, currency, created_at, updated_at)
              select $3::uuid, o.id, null, jsonb_build_array(o.id), 'pending', o.total_cents, o.currency, now(), now()
                from o where o.checkout_id is null and o.status = 'PENDING' and not exists (select from a)
              returning id)
   select o.id, o.vendor_id as "vendorId", o.status, o.total_cents as "totalCents", o.currency, o.checkout_id as "checkoutId",
          a.id as "attemptId", a.status as "attemptStatus", a.updated_at as "attemptUpdatedAt", exists (select from n) as started
     from o left join a on true`,
);

/**
 * `lockPayableOrders` and the first attempt in one round trip, as its own transaction: the lock timeout, the locks,
 * then the attempt `attemptId`, written only where a first payment may start (see the statements), committed at
 * once; for an order, the lock and the attempt are one statement. Answers the locked rows as they were, and whether
 * the attempt was written.
 */
export async function lockPayableOrdersStartingAttempt(
  sql: Sql,
  target: PaymentTarget,
  customerId: string,
  attemptId: string,
  options: LockedTransactionOptions,
): Promise<{ orders: PayableOrder[]; started: boolean }> {
  if ('orderId' in target) {
    const [, locked] = await sql.batch([
      transactionSettings(options),
      { statement: LOCK_ORDER_STARTING_ATTEMPT, values: [target.orderId, customerId, attemptId] },
    ]);
    const rows = locked!.rows as unknown as (PayableRow & { started: boolean })[];
    return { orders: rows.map(toPayable), started: rows[0]?.started === true };
  }
  const [, locked, inserted] = await sql.batch([
    transactionSettings(options),
    lockPayableStep(target, customerId),
    { statement: INSERT_CHECKOUT_ATTEMPT_IF_PAYABLE, values: [target.checkoutId, customerId, attemptId] },
  ]);
  return { orders: (locked!.rows as unknown as PayableRow[]).map(toPayable), started: inserted!.rowCount === 1 };
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
  const [row] = await sql.query<{ id: string; orderIds: string[]; amountCents: number; currency: string }>(TOUCH_ATTEMPT, [id]);
  return row!;
}

/** An order as a settlement reads it under its lock. */
export interface SettlingOrder {
  id: string;
  status: OrderStatus;
  customer: string;
  vendor: string;
  address: string;
  totalCents: number;
  currency: string;
  checkout: string | null;
  paidCents: number;
  paymentReference: string | null;
  carrier: string | null;
  trackingNumber: string | null;
  deliveryOtp: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const LOCK_SETTLEMENT = statement(
  'lock_settlement',
  `select o.id, o.status, o.customer_id as customer, o.vendor_id as vendor, o.address_id as address, o.total_cents as "totalCents",
          o.currency, o.checkout_id as checkout, o.paid_cents as "paidCents", o.payment_reference as "paymentReference", o.carrier,
          o.tracking_number as "trackingNumber", o.delivery_otp as "deliveryOtp", o.created_at as "createdAt", o.updated_at as "updatedAt",
          a.status as "attemptStatus"
     from customer_order o cross join payment_attempt a
    where o.id = any($1::uuid[]) and a.id = $2
    order by o.id
      for update of o, a`,
);

/**
 * Locks the orders an attempt covers, in id order, and the attempt with the first of them, in one statement;
 * answers them with the attempt's status as it now is (a waiter reads the row its lock holder left).
 */
export async function lockSettlement(sql: Sql, attemptId: string, orderIds: readonly string[]): Promise<{ attemptStatus: string | null; orders: SettlingOrder[] }> {
  return settlingRows(await sql.query<SettlingOrder & { attemptStatus: string }>(LOCK_SETTLEMENT, [orderIds, attemptId]));
}

const settlingRows = (rows: readonly (SettlingOrder & { attemptStatus: string })[]) => ({
  attemptStatus: rows[0]?.attemptStatus ?? null,
  orders: rows.map(({ attemptStatus: _, ...o }): SettlingOrder => o),
});

export interface NewHistoryRow {
  id: string;
  orderId: string;
  previousStatus: OrderStatus | null;
  newStatus: OrderStatus;
  changedBy: string | null;
  reason: string | null;
  requestId: string | null;
}

export interface NewOutboxEvent {
  id: string;
  type: string;
  aggregateId: string;
  payload: Record<string, unknown>;
}

/**
 * The attempt succeeded with its reference, each order CONFIRMED and paid its total, with the history rows and outbox
 * events of the transition; answers the orders' items. Gated, it does so only where the attempt is still pending and
 * every order still PENDING, as the same statement reads them, and else writes and answers nothing.
 */
const confirmPaidStatement = (gated: boolean) => {
  const gate = gated ? 'where exists (select from g)' : '';
  const andGate = gated ? 'and exists (select from g)' : '';
  return statement(
    gated ? 'confirm_paid_if_pending' : 'confirm_paid',
    `with ${gated ? `g as (select from payment_attempt where id = $1 and status = 'pending'
                             and not exists (select from customer_order where id = any($4::uuid[]) and status <> 'PENDING')),` : ''}
          a as (update payment_attempt set status = 'succeeded', reference = $2, updated_at = $3 where id = $1 ${andGate}),
          o as (update customer_order set status = 'CONFIRMED', paid_cents = total_cents, payment_reference = $2, updated_at = $3
                 where id = any($4::uuid[]) ${andGate}),
          h as (insert into order_status_history (id, order_id, previous_status, new_status, changed_by_id, changed_at, reason, request_id)
                select h.id, h.order_id, h.previous_status, h.new_status, h.changed_by_id, $3, h.reason, h.request_id
                  from jsonb_to_recordset($5::jsonb)
                       as h(id uuid, order_id uuid, previous_status text, new_status text, changed_by_id uuid, reason text, request_id text) ${gate}),
          e as (insert into outbox_event (id, type, aggregate_id, payload, created_at, attempts)
                select e.id, e.type, e.aggregate_id, e.payload, $3, 0
                  from jsonb_to_recordset($6::jsonb) as e(id uuid, type text, aggregate_id uuid, payload jsonb) ${gate})
     select order_id as "orderId", product_id as product, product_name as "productName", sku, unit_price_cents as "unitPriceCents", quantity
       from order_item where order_id = any($4::uuid[]) ${andGate}`,
  );
};
const CONFIRM_PAID = confirmPaidStatement(false);
const CONFIRM_PAID_IF_PENDING = confirmPaidStatement(true);

export interface PaidSettlement {
  attemptId: string;
  reference: string;
  at: Date;
  orderIds: readonly string[];
  history: readonly NewHistoryRow[];
  events: readonly NewOutboxEvent[];
}

export type PaidItem = { orderId: string; product: string; productName: string; sku: string; unitPriceCents: number; quantity: number };

const settlementValues = (settlement: PaidSettlement): unknown[] => {
  const history = settlement.history.map((h) => ({
    id: h.id, order_id: h.orderId, previous_status: h.previousStatus, new_status: h.newStatus, changed_by_id: h.changedBy, reason: h.reason, request_id: h.requestId,
  }));
  const events = settlement.events.map((e) => ({ id: e.id, type: e.type, aggregate_id: e.aggregateId, payload: e.payload }));
  return [settlement.attemptId, settlement.reference, settlement.at, settlement.orderIds, JSON.stringify(history), JSON.stringify(events)];
};

/**
 * A charge that succeeded for orders all still PENDING, in one statement: the attempt succeeded with its reference,
 * each order CONFIRMED and paid its total, with the history rows and outbox events the transition writes. Answers
 * the orders' items.
 */
export async function confirmPaid(sql: Sql, settlement: PaidSettlement): Promise<PaidItem[]> {
  return sql.query(CONFIRM_PAID, settlementValues(settlement));
}

/**
 * `confirmPaid` in one round trip, as its own transaction, when the attempt is still pending and every order still
 * PENDING: the lock timeout, the locks of `lockSettlement`, then the gated confirmation, committed at once (the history
 * and events are written as the caller prepared them for that case). Answers the locked rows as `lockSettlement` does,
 * and the items when it confirmed (`confirmed`); otherwise nothing was written, and the rows say why.
 */
export async function confirmPaidIfPending(
  sql: Sql,
  settlement: PaidSettlement,
  options: LockedTransactionOptions,
): Promise<{ attemptStatus: string | null; orders: SettlingOrder[]; confirmed: PaidItem[] | null }> {
  const [, locked, confirmed] = await sql.batch([
    transactionSettings(options),
    { statement: LOCK_SETTLEMENT, values: [settlement.orderIds, settlement.attemptId] },
    { statement: CONFIRM_PAID_IF_PENDING, values: settlementValues(settlement) },
  ]);
  const { attemptStatus, orders } = settlingRows(locked!.rows as unknown as (SettlingOrder & { attemptStatus: string })[]);
  return { attemptStatus, orders, confirmed: confirmed!.rows.length > 0 ? (confirmed!.rows as unknown as PaidItem[]) : null };
}

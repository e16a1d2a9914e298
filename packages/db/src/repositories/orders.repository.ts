import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Order, type IOrder } from '../entities/order.entity';
import { PaymentAttempt, type IPaymentAttempt } from '../entities/payment-attempt.entity';
import type { ProductRow } from './catalog.repository';
import { indexedGenericPlans, statement, transactionSettings, type Sql, type Step, type StepResult } from '../sql';
import type { LockedTransactionOptions } from '../transaction';
import { takeStockExpressions, waitingForStock } from './stock.repository';

/**
 * A pending payment attempt touched more recently than this is taken to be with the gateway: it keeps its order
 * from expiring and another payment from starting. An older one is stale (its process died) and may be taken over.
 */
export const PAYMENT_IN_FLIGHT_MS = 5 * 60_000;

/**
 * Claims (locks) one pending order created before `cutoff` that no payment attempt is open for, skipping orders
 * another transaction holds, so several sweepers never work on the same order. An order whose attempt went stale
 * (its process died) is left until `staleAttempts` has asked the gateway what became of the charge.
 */
export async function claimExpiredOrder(tx: EntityManager, cutoff: Date): Promise<string | null> {
  const rows = await tx.execute<{ id: string }[]>(
    `select o.id from customer_order o
      where o.status = 'PENDING' and o.created_at < ?
        and not exists (select 1 from payment_attempt a
                         where (a.order_id = o.id or a.checkout_id = o.checkout_id) and a.status = 'pending')
      order by o.created_at
      limit 1
      for update of o skip locked`,
    [cutoff],
  );
  return rows[0]?.id ?? null;
}

/** Pending payment attempts not touched for longer than a gateway call can take: their process died. */
export async function staleAttempts(em: EntityManager, limit: number): Promise<IPaymentAttempt[]> {
  return em.find(PaymentAttempt, { status: 'pending', updatedAt: { $lt: new Date(Date.now() - PAYMENT_IN_FLIGHT_MS) } }, { orderBy: { updatedAt: 'asc' }, limit });
}

/** Locks a payment attempt, so that its outcome is applied once however many callers finish it. */
export async function lockPaymentAttempt(tx: EntityManager, id: string): Promise<IPaymentAttempt | null> {
  return tx.findOne(PaymentAttempt, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

export type OrderProductRow = Omit<ProductRow, 'createdAt' | 'stock'>;

/** What a customer holds unpaid: PENDING orders, and the units they keep reserved. */
export interface PendingHoldings {
  orders: number;
  units: number;
}

const ORDER_INPUTS = statement(
  'order_inputs',
  `select a.ok as "addressOk", a.orders as "pendingOrders", a.units as "pendingUnits",
          p.id, p.vendor_id as "vendorId", p.name, p.sku, p.price_cents as "priceCents", p.currency
     from (select exists(select 1 from address where id = $1 and customer_id = $2) as ok,
                  count(distinct o.id)::int as orders, coalesce(sum(i.quantity), 0)::int as units
             from customer_order o join order_item i on i.order_id = o.id
            where o.customer_id = $2 and o.status = 'PENDING') a
     left join product p on p.id = any($3::uuid[])`,
);

/**
 * What placing an order needs to know before any lock, in one round trip: whether the address is the
 * customer's, what the customer already holds unpaid (from the partial index of PENDING orders), and the
 * products asked for (those that exist). Each is reached by a key or that partial index, so the statement keeps a
 * generic plan (`indexedGenericPlans`) instead of being planned each time. `along` goes in the same round trip and
 * transaction, before the read (counting the call against a rate limit); `alongResults` are its steps' results.
 */
export async function loadOrderInputs(
  sql: Sql,
  customerId: string,
  addressId: string,
  productIds: readonly string[],
  along: readonly Step[] = [],
): Promise<{ addressOk: boolean; pending: PendingHoldings; products: OrderProductRow[]; alongResults: StepResult[] }> {
  type Row = Partial<OrderProductRow> & { addressOk: boolean; pendingOrders: number; pendingUnits: number };
  const results = await sql.batch([indexedGenericPlans, ...along, { statement: ORDER_INPUTS, values: [addressId, customerId, productIds] }]);
  const found = results.at(-1)!.rows as Row[];
  return {
    addressOk: found[0]?.addressOk === true,
    pending: { orders: found[0]?.pendingOrders ?? 0, units: found[0]?.pendingUnits ?? 0 },
    products: found.filter((r): r is Row & OrderProductRow => typeof r.id === 'string'),
    alongResults: results.slice(1, -1),
  };
}

export interface NewIdempotencyKey {
  id: string;
  key: string;
  requestHash: string;
  ttlSeconds: number;
  response: Record<string, unknown>;
}

export interface NewOrder {
  id: string;
  /** Set when the order is one vendor's part of a checkout. */
  checkoutId?: string;
  customerId: string;
  vendorId: string;
  addressId: string;
  totalCents: number;
  currency: string;
  items: { id: string; productId: string; productName: string; sku: string; unitPriceCents: number; quantity: number }[];
  history: { id: string; reason: string; requestId: string | null };
  event: { id: string; type: string; payload: Record<string, unknown> };
  idempotency?: NewIdempotencyKey;
  /** When the order is placed (the application's clock, like every other timestamp it writes). */
  placedAt: Date;
}

/**
 * The idempotency key of a creation, as a common table expression whose own values start at `$first`, written only
 * where `gate` holds (an SQL condition; none by default).
 */
const keyInsert = (first: number, resource: string, at: string, gate = '') => {
  const [id, user, key, hash, response, ttl] = [0, 1, 2, 3, 4, 5].map((i) => `$${first + i}`);
  return `k as (insert into idempotency_key (id, user_id, key, request_hash, resource_id, response, created_at, expires_at)
                select ${id}::uuid, ${user}::uuid, ${key}, ${hash}, ${resource}::uuid, ${response}::jsonb, ${at}::timestamptz,
                       ${at}::timestamptz + make_interval(secs => ${ttl}::int) ${gate})`;
};
const keyValues = (k: NewIdempotencyKey, userId: string) => [k.id, userId, k.key, k.requestHash, JSON.stringify(k.response), k.ttlSeconds];

/** The values of an order's statement: twenty of its own, then those of its idempotency key, then those of the stock it takes. */
const ORDER_VALUES = 20;
const KEY_VALUES = 6;

/**
 * The order, its items, first history row, outbox event and (keyed) idempotency key in one statement. Taking, it
 * starts with the conditional take of the one product's stock (`takeStockExpressions`) and writes the rest only when
 * that took the row: the statement places the order or writes nothing.
 */
const orderStatement = (keyed: boolean, taking: boolean) => {
  const gate = taking ? 'where exists (select from t)' : '';
  const take = taking ? `${takeStockExpressions(ORDER_VALUES + (keyed ? KEY_VALUES : 0) + 1, { orderId: '$1::uuid', actorId: '$2::uuid' })},` : '';
  return statement(
    `${taking ? 'place_order_taking_stock' : 'insert_order'}${keyed ? '_keyed' : ''}`,
    `with ${take}
          o as (insert into customer_order (id, customer_id, vendor_id, address_id, status, total_cents, currency, checkout_id, created_at, updated_at)
                select $1::uuid, $2::uuid, $3::uuid, $4::uuid, 'PENDING', $5::int, $6, $7::uuid, $8::timestamptz, $8::timestamptz ${gate}),
          i as (insert into order_item (id, order_id, product_id, product_name, sku, unit_price_cents, quantity)
                select x.id, $1::uuid, x.product_id, x.product_name, x.sku, x.unit_price_cents, x.quantity
                  from unnest($9::uuid[], $10::uuid[], $11::text[], $12::text[], $13::int[], $14::int[])
                       as x(id, product_id, product_name, sku, unit_price_cents, quantity) ${gate}),
          h as (insert into order_status_history (id, order_id, previous_status, new_status, changed_by_id, changed_at, reason, request_id)
                select $15::uuid, $1::uuid, null, 'PENDING', $2::uuid, $8::timestamptz, $16, $17 ${gate}),
          e as (insert into outbox_event (id, type, aggregate_id, payload, created_at, attempts)
                select $18::uuid, $19, $1::uuid, $20::jsonb, $8::timestamptz, 0 ${gate})
          ${keyed ? `, ${keyInsert(ORDER_VALUES + 1, '$1', '$8', gate)}` : ''}
     select 1 ${taking ? 'from t' : ''}`,
  );
};
const INSERT_ORDER = orderStatement(false, false);
const INSERT_ORDER_KEYED = orderStatement(true, false);
const PLACE_ORDER_TAKING_STOCK = orderStatement(false, true);
const PLACE_ORDER_TAKING_STOCK_KEYED = orderStatement(true, true);

const orderValues = (order: NewOrder): unknown[] => {
  const { items } = order;
  const values: unknown[] = [
    order.id, order.customerId, order.vendorId, order.addressId, order.totalCents, order.currency, order.checkoutId ?? null, order.placedAt,
    items.map((i) => i.id), items.map((i) => i.productId), items.map((i) => i.productName), items.map((i) => i.sku),
    items.map((i) => i.unitPriceCents), items.map((i) => i.quantity),
    order.history.id, order.history.reason, order.history.requestId,
    order.event.id, order.event.type, JSON.stringify(order.event.payload),
  ];
  return order.idempotency ? [...values, ...keyValues(order.idempotency, order.customerId)] : values;
};

/**
 * The statement writing a new PENDING order with its items, first history row, outbox event and (when given)
 * idempotency key and response, sent in the round trip that takes its stock (`reserveStock`'s or `takeStock`'s
 * `first`). A concurrent request with the same idempotency key waits on the key's unique index here, before any stock
 * lock is taken.
 */
export function orderInsert(order: NewOrder): Step {
  return { statement: order.idempotency ? INSERT_ORDER_KEYED : INSERT_ORDER, values: orderValues(order) };
}

/**
 * Places an order of one product in one round trip: `lock_timeout` set for it, then one statement that takes the
 * product's stock (its quantity when that much is left, with the `reserve` ledger row) and writes the order only
 * when it did, committed at once. The stock row is locked by the update and held for the rest of that statement and
 * the commit, inside PostgreSQL, with no round trip in between; a concurrent request with the same idempotency key
 * waits on the key's unique index within it. False, with nothing written, when the product is short or not stocked.
 */
export async function placeOrderTakingStock(sql: Sql, order: NewOrder, take: { movementId: string }, options: LockedTransactionOptions): Promise<boolean> {
  const [item] = order.items;
  if (!item || order.items.length > 1) throw new Error('placeOrderTakingStock places an order of one product');
  const [, placed] = await waitingForStock(sql, () =>
    sql.batch([
      transactionSettings(options),
      {
        statement: order.idempotency ? PLACE_ORDER_TAKING_STOCK_KEYED : PLACE_ORDER_TAKING_STOCK,
        values: [...orderValues(order), item.productId, item.quantity, take.movementId],
      },
    ]),
  );
  return placed!.rowCount > 0;
}

const checkoutStatement = (keyed: boolean) =>
  statement(
    keyed ? 'insert_checkout_keyed' : 'insert_checkout',
    `with c as (insert into checkout (id, customer_id, address_id, total_cents, currency, created_at) values ($1, $2, $3, $4, $5, $6))
     ${keyed ? `, ${keyInsert(7, '$1', '$6')}` : ''}
     select 1`,
  );
const INSERT_CHECKOUT = checkoutStatement(false);
const INSERT_CHECKOUT_KEYED = checkoutStatement(true);

/**
 * The statement writing a checkout and (when given) its idempotency key and response; its orders follow with
 * `orderInsert`, in the same round trip. A concurrent request with the same key waits here on the unique index.
 */
export function checkoutInsert(
  checkout: { id: string; customerId: string; addressId: string; totalCents: number; currency: string; placedAt: Date; idempotency?: NewIdempotencyKey },
): Step {
  const values: unknown[] = [checkout.id, checkout.customerId, checkout.addressId, checkout.totalCents, checkout.currency, checkout.placedAt];
  return checkout.idempotency
    ? { statement: INSERT_CHECKOUT_KEYED, values: [...values, ...keyValues(checkout.idempotency, checkout.customerId)] }
    : { statement: INSERT_CHECKOUT, values };
}

/**
 * Locks one order row for the rest of the transaction, if it matches `scope` (the caller's visibility).
 * Every status change goes through here: one row lock per order, always taken before any stock lock.
 */
export async function lockOrderRow(
  tx: EntityManager,
  id: string,
  scope: { customer?: string; vendor?: string },
): Promise<IOrder | null> {
  return tx.findOne(Order, { id, ...scope }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

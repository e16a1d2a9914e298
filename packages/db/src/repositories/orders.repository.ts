import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Order, type IOrder } from '../entities/order.entity';
import { PaymentAttempt, type IPaymentAttempt } from '../entities/payment-attempt.entity';
import type { ProductRow } from './catalog.repository';
import { statement, type Sql } from '../sql';

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
 * products asked for (those that exist).
 */
export async function loadOrderInputs(
  sql: Sql,
  customerId: string,
  addressId: string,
  productIds: readonly string[],
): Promise<{ addressOk: boolean; pending: PendingHoldings; products: OrderProductRow[] }> {
  type Row = Partial<OrderProductRow> & { addressOk: boolean; pendingOrders: number; pendingUnits: number };
  const rows = await sql.query<Row>(ORDER_INPUTS, [addressId, customerId, productIds]);
  return {
    addressOk: rows[0]?.addressOk === true,
    pending: { orders: rows[0]?.pendingOrders ?? 0, units: rows[0]?.pendingUnits ?? 0 },
    products: rows.filter((r): r is Row & OrderProductRow => typeof r.id === 'string'),
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

/** The idempotency key of a creation, as a common table expression whose own values start at `$first`. */
const keyInsert = (first: number, resource: string, at: string) => {
  const [id, user, key, hash, response, ttl] = [0, 1, 2, 3, 4, 5].map((i) => `$${first + i}`);
  return `k as (insert into idempotency_key (id, user_id, key, request_hash, resource_id, response, created_at, expires_at)
                values (${id}, ${user}, ${key}, ${hash}, ${resource}, ${response}::jsonb, ${at}::timestamptz, ${at}::timestamptz + make_interval(secs => ${ttl}::int)))`;
};
const keyValues = (k: NewIdempotencyKey, userId: string) => [k.id, userId, k.key, k.requestHash, JSON.stringify(k.response), k.ttlSeconds];

const orderInsert = (keyed: boolean) =>
  statement(
    keyed ? 'insert_order_keyed' : 'insert_order',
    `with o as (insert into customer_order (id, customer_id, vendor_id, address_id, status, total_cents, currency, checkout_id, created_at, updated_at)
                values ($1, $2, $3, $4, 'PENDING', $5, $6, $7, $8::timestamptz, $8::timestamptz)),
          i as (insert into order_item (id, order_id, product_id, product_name, sku, unit_price_cents, quantity)
                select x.id, $1, x.product_id, x.product_name, x.sku, x.unit_price_cents, x.quantity
                  from unnest($9::uuid[], $10::uuid[], $11::text[], $12::text[], $13::int[], $14::int[])
                       as x(id, product_id, product_name, sku, unit_price_cents, quantity)),
          h as (insert into order_status_history (id, order_id, previous_status, new_status, changed_by_id, changed_at, reason, request_id)
                values ($15, $1, null, 'PENDING', $2, $8, $16, $17)),
          e as (insert into outbox_event (id, type, aggregate_id, payload, created_at, attempts)
                values ($18, $19, $1, $20::jsonb, $8, 0))
          ${keyed ? `, ${keyInsert(21, '$1', '$8')}` : ''}
     select 1`,
  );
const INSERT_ORDER = orderInsert(false);
const INSERT_ORDER_KEYED = orderInsert(true);

/**
 * Writes a new PENDING order with its items, first history row, outbox event and (when given) idempotency
 * key and response, in one statement. A concurrent request with the same idempotency key waits here on the
 * unique index, before any stock lock is taken.
 */
export async function insertOrder(sql: Sql, order: NewOrder): Promise<void> {
  const { items } = order;
  const values: unknown[] = [
    order.id, order.customerId, order.vendorId, order.addressId, order.totalCents, order.currency, order.checkoutId ?? null, order.placedAt,
    items.map((i) => i.id), items.map((i) => i.productId), items.map((i) => i.productName), items.map((i) => i.sku),
    items.map((i) => i.unitPriceCents), items.map((i) => i.quantity),
    order.history.id, order.history.reason, order.history.requestId,
    order.event.id, order.event.type, JSON.stringify(order.event.payload),
  ];
  if (order.idempotency) await sql.run(INSERT_ORDER_KEYED, [...values, ...keyValues(order.idempotency, order.customerId)]);
  else await sql.run(INSERT_ORDER, values);
}

const checkoutInsert = (keyed: boolean) =>
  statement(
    keyed ? 'insert_checkout_keyed' : 'insert_checkout',
    `with c as (insert into checkout (id, customer_id, address_id, total_cents, currency, created_at) values ($1, $2, $3, $4, $5, $6))
     ${keyed ? `, ${keyInsert(7, '$1', '$6')}` : ''}
     select 1`,
  );
const INSERT_CHECKOUT = checkoutInsert(false);
const INSERT_CHECKOUT_KEYED = checkoutInsert(true);

/**
 * Writes a checkout and (when given) its idempotency key and response, in one statement; its orders follow
 * through `insertOrder`. A concurrent request with the same key waits here on the unique index.
 */
export async function insertCheckout(
  sql: Sql,
  checkout: { id: string; customerId: string; addressId: string; totalCents: number; currency: string; placedAt: Date; idempotency?: NewIdempotencyKey },
): Promise<void> {
  const values: unknown[] = [checkout.id, checkout.customerId, checkout.addressId, checkout.totalCents, checkout.currency, checkout.placedAt];
  if (checkout.idempotency) await sql.run(INSERT_CHECKOUT_KEYED, [...values, ...keyValues(checkout.idempotency, checkout.customerId)]);
  else await sql.run(INSERT_CHECKOUT, values);
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

import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Order, type IOrder } from '../entities/order.entity';
import { PaymentAttempt, type IPaymentAttempt } from '../entities/payment-attempt.entity';
import type { ProductRow } from './catalog.repository';

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

/**
 * What placing an order needs to know before any lock, in one round trip: whether the address is the
 * customer's, what the customer already holds unpaid (from the partial index of PENDING orders), and the
 * products asked for (those that exist).
 */
export async function loadOrderInputs(
  em: EntityManager,
  customerId: string,
  addressId: string,
  productIds: readonly string[],
): Promise<{ addressOk: boolean; pending: PendingHoldings; products: OrderProductRow[] }> {
  type Row = Partial<OrderProductRow> & { addressOk: boolean; pendingOrders: number; pendingUnits: number };
  const rows = await em.execute<Row[]>(
    `select a.ok as "addressOk", a.orders as "pendingOrders", a.units as "pendingUnits",
            p.id, p.vendor_id as "vendorId", p.name, p.sku, p.price_cents as "priceCents", p.currency
       from (select exists(select 1 from address where id = ? and customer_id = ?) as ok,
                    count(distinct o.id)::int as orders, coalesce(sum(i.quantity), 0)::int as units
               from customer_order o join order_item i on i.order_id = o.id
              where o.customer_id = ? and o.status = 'PENDING') a
       left join product p on p.id in (?)`,
    [addressId, customerId, customerId, productIds],
  );
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

/**
 * Writes a new PENDING order with its items, first history row, outbox event and (when given) idempotency
 * key and response, in one statement. A concurrent request with the same idempotency key waits here on the
 * unique index, before any stock lock is taken.
 */
export async function insertOrder(tx: EntityManager, order: NewOrder): Promise<void> {
  const at = order.placedAt.toISOString();
  const params: unknown[] = [
    order.id, order.customerId, order.vendorId, order.addressId, order.totalCents, order.currency, order.checkoutId ?? null, at, at,
    order.id, JSON.stringify(order.items),
    order.history.id, order.id, order.customerId, at, order.history.reason, order.history.requestId,
    order.event.id, order.event.type, order.id, JSON.stringify(order.event.payload), at,
  ];
  let idempotency = '';
  if (order.idempotency) {
    idempotency = `, k as (insert into idempotency_key (id, user_id, key, request_hash, resource_id, response, created_at, expires_at)
                          values (?, ?, ?, ?, ?, ?::jsonb, ?::timestamptz, ?::timestamptz + make_interval(secs => ?)))`;
    const k = order.idempotency;
    params.push(k.id, order.customerId, k.key, k.requestHash, order.id, JSON.stringify(k.response), at, at, k.ttlSeconds);
  }
  await tx.execute(
    `with o as (insert into customer_order (id, customer_id, vendor_id, address_id, status, total_cents, currency, checkout_id, created_at, updated_at)
                values (?, ?, ?, ?, 'PENDING', ?, ?, ?, ?::timestamptz, ?::timestamptz)),
          i as (insert into order_item (id, order_id, product_id, product_name, sku, unit_price_cents, quantity)
                select x.id, ?, x."productId", x."productName", x.sku, x."unitPriceCents", x.quantity
                  from jsonb_to_recordset(?::jsonb) as x(id uuid, "productId" uuid, "productName" text, sku text, "unitPriceCents" int, quantity int)),
          h as (insert into order_status_history (id, order_id, previous_status, new_status, changed_by_id, changed_at, reason, request_id)
                values (?, ?, null, 'PENDING', ?, ?::timestamptz, ?, ?)),
          e as (insert into outbox_event (id, type, aggregate_id, payload, created_at, attempts)
                values (?, ?, ?, ?::jsonb, ?::timestamptz, 0))
          ${idempotency}
     select 1`,
    params,
    'run',
  );
}

/**
 * Writes a checkout and (when given) its idempotency key and response, in one statement; its orders follow
 * through `insertOrder`. A concurrent request with the same key waits here on the unique index.
 */
export async function insertCheckout(
  tx: EntityManager,
  checkout: { id: string; customerId: string; addressId: string; totalCents: number; currency: string; placedAt: Date; idempotency?: NewIdempotencyKey },
): Promise<void> {
  const at = checkout.placedAt.toISOString();
  const params: unknown[] = [checkout.id, checkout.customerId, checkout.addressId, checkout.totalCents, checkout.currency, at];
  let idempotency = '';
  if (checkout.idempotency) {
    const k = checkout.idempotency;
    idempotency = `, k as (insert into idempotency_key (id, user_id, key, request_hash, resource_id, response, created_at, expires_at)
                          values (?, ?, ?, ?, ?, ?::jsonb, ?::timestamptz, ?::timestamptz + make_interval(secs => ?)))`;
    params.push(k.id, checkout.customerId, k.key, k.requestHash, checkout.id, JSON.stringify(k.response), at, at, k.ttlSeconds);
  }
  await tx.execute(
    `with c as (insert into checkout (id, customer_id, address_id, total_cents, currency, created_at) values (?, ?, ?, ?, ?, ?::timestamptz))
     ${idempotency}
     select 1`,
    params,
    'run',
  );
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

import type { EntityManager } from '@mikro-orm/postgresql';
import type { IRefund } from '../entities/refund.entity';

export type DueRefund = Pick<IRefund, 'id' | 'order' | 'amountCents' | 'currency' | 'paymentReference' | 'attempts'>;

/**
 * Claims one refund that is due, in one statement: counts the attempt and leases the refund until
 * `now + leaseMs`, so that no other job takes it while the gateway is called, and a job that dies mid-call
 * leaves it to be taken again when the lease ends. `SKIP LOCKED` lets several instances claim side by side.
 */
export async function claimDueRefund(em: EntityManager, leaseMs: number): Promise<DueRefund | null> {
  const rows = await em.execute<DueRefund[]>(
    `update refund set attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ?), updated_at = now()
      where id = (select id from refund where status = 'requested' and next_attempt_at <= now()
                  order by next_attempt_at limit 1 for update skip locked)
      returning id, order_id as "order", amount_cents as "amountCents", currency, payment_reference as "paymentReference", attempts`,
    [leaseMs / 1000],
  );
  return rows[0] ?? null;
}

/** The gateway paid the refund back. */
export async function markRefundSucceeded(em: EntityManager, id: string, reference: string): Promise<void> {
  await em.execute(`update refund set status = 'succeeded', reference = ?, last_error = null, updated_at = now() where id = ? and status = 'requested'`, [reference, id], 'run');
}

/** The gateway refused: tried again at `retryAt`, or given up (`failed`, for an admin to see) when it is null. */
export async function markRefundAttemptFailed(em: EntityManager, id: string, error: string, retryAt: Date | null): Promise<void> {
  await em.execute(
    `update refund set last_error = ?, updated_at = now(),
            status = case when ?::timestamptz is null then 'failed' else status end,
            next_attempt_at = coalesce(?::timestamptz, next_attempt_at)
      where id = ? and status = 'requested'`,
    [error.slice(0, 2000), retryAt, retryAt, id],
    'run',
  );
}

export interface VendorBalance {
  currency: string;
  balanceCents: number;
}

/** A vendor's balances, one per currency it was credited in: the sum of its ledger rows. */
export async function vendorBalances(em: EntityManager, vendorId: string): Promise<VendorBalance[]> {
  const rows = await em.execute<{ currency: string; balanceCents: string | number }[]>(
    `select currency, sum(amount_cents) as "balanceCents" from vendor_ledger where vendor_id = ? group by currency order by currency`,
    [vendorId],
  );
  return rows.map((r) => ({ currency: r.currency, balanceCents: Number(r.balanceCents) }));
}

/**
 * Money that does not add up, over the whole database; each string is a violation:
 * - an order's paid amount is its total or nothing, and a refund never exceeds what was paid;
 * - a cancelled paid order has exactly one refund, and an order that was never paid has none;
 * - a checkout's charge equals the sum of what its orders were paid;
 * - each delivered order is credited to its vendor once, for its total, and nothing else is credited.
 */
export async function moneyViolations(em: EntityManager): Promise<string[]> {
  const rows = await em.execute<{ violation: string }[]>(`
    select 'order ' || o.id || ' paid ' || o.paid_cents || ' of a total of ' || o.total_cents as violation
      from customer_order o where o.paid_cents not in (0, o.total_cents)
    union all
    select 'order ' || o.id || ' refunded ' || r.amount_cents || ' of ' || o.paid_cents || ' paid'
      from customer_order o join refund r on r.order_id = o.id where r.amount_cents > o.paid_cents
    union all
    select 'order ' || o.id || ' was cancelled after payment without a refund'
      from customer_order o where o.status = 'CANCELLED' and o.paid_cents > 0 and not exists (select 1 from refund r where r.order_id = o.id)
    union all
    select 'order ' || o.id || ' has a refund but was never cancelled'
      from customer_order o join refund r on r.order_id = o.id where o.status <> 'CANCELLED'
    union all
    select 'checkout ' || c.id || ' was charged ' || a.amount_cents || ' for orders paid ' || coalesce(sum(o.paid_cents), 0)
      from checkout c join payment_attempt a on a.checkout_id = c.id and a.status = 'succeeded'
      left join customer_order o on o.checkout_id = c.id
     group by c.id, a.amount_cents having a.amount_cents <> coalesce(sum(o.paid_cents), 0)
    union all
    select 'order ' || o.id || ' is delivered but credited ' || coalesce(sum(l.amount_cents), 0) || ' of ' || o.total_cents
      from customer_order o left join vendor_ledger l on l.order_id = o.id and l.kind = 'credit'
     where o.status = 'DELIVERED' group by o.id, o.total_cents having coalesce(sum(l.amount_cents), 0) <> o.total_cents
    union all
    select 'order ' || o.id || ' is credited to its vendor but is ' || o.status
      from customer_order o join vendor_ledger l on l.order_id = o.id and l.kind = 'credit' where o.status <> 'DELIVERED'
  `);
  return rows.map((r) => r.violation);
}

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

import type { EntityManager } from '@mikro-orm/postgresql';

/** A payment attempt younger than this keeps its order from expiring while the gateway is working. */
const PAYMENT_IN_FLIGHT = "interval '5 minutes'";

/**
 * Claims (locks) one pending order created before `cutoff` that no payment is in flight for, skipping orders
 * another transaction holds, so several sweepers never work on the same order.
 */
export async function claimExpiredOrder(tx: EntityManager, cutoff: Date): Promise<string | null> {
  const rows = await tx.execute<{ id: string }[]>(
    `select o.id from customer_order o
      where o.status = 'PENDING' and o.created_at < ?
        and not exists (select 1 from payment_attempt a
                         where a.order_id = o.id and a.status = 'pending' and a.created_at > now() - ${PAYMENT_IN_FLIGHT})
      order by o.created_at
      limit 1
      for update of o skip locked`,
    [cutoff],
  );
  return rows[0]?.id ?? null;
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { RefundStatus } from '@frookoon/contract';

export interface Backlogs {
  /** Outbox events not yet dispatched. */
  outboxEvents: number;
  /** Age of the oldest of them, 0 when there is none. */
  oldestOutboxEventAgeSeconds: number;
  /** Refunds by status (statuses with none are left out). */
  refunds: Partial<Record<RefundStatus, number>>;
}

/**
 * What is waiting on the background jobs, in one statement: the outbox count reads only the partial index of
 * undispatched events; refunds are few next to orders (only cancelled paid orders have one).
 */
export async function readBacklogs(em: EntityManager): Promise<Backlogs> {
  const [row] = await em.execute<{ outbox: string; oldest: number | null; refunds: Record<string, number> }[]>(
    `select (select count(*) from outbox_event where dispatched_at is null) as outbox,
            (select extract(epoch from now() - min(created_at))::float8 from outbox_event where dispatched_at is null) as oldest,
            (select coalesce(jsonb_object_agg(status, n), '{}'::jsonb) from (select status, count(*) as n from refund group by status) r) as refunds`,
  );
  return {
    outboxEvents: Number(row!.outbox),
    oldestOutboxEventAgeSeconds: Math.max(0, row!.oldest ?? 0),
    refunds: row!.refunds as Backlogs['refunds'],
  };
}

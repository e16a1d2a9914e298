import type { EntityManager } from '@mikro-orm/postgresql';
import { purgeDeadTokens, purgeDispatchedEvents, purgeExpiredIdempotencyKeys, purgeSpentRateLimits, purgeSpentTickets } from '@frookoon/db';

export interface RetentionOptions {
  outboxRetentionDays: number;
  /** Rows deleted per statement. */
  batch?: number;
  /** Statements per kind in one run; what is left waits for the next run. */
  maxBatches?: number;
}

async function drain(purge: () => Promise<number>, batch: number, maxBatches: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = await purge();
    total += n;
    if (n < batch) break;
  }
  return total;
}

/**
 * Removes what would otherwise grow forever, in small batches that skip rows other instances hold: dispatched
 * outbox events past their retention, dead tokens (expired or revoked), spent rate-limit counters and
 * subscription tickets, and expired idempotency keys.
 */
export async function purgeRetained(em: EntityManager, options: RetentionOptions) {
  const batch = options.batch ?? 500;
  const maxBatches = options.maxBatches ?? 20;
  return {
    outboxEvents: await drain(() => purgeDispatchedEvents(em, options.outboxRetentionDays, batch), batch, maxBatches),
    tokens: await drain(() => purgeDeadTokens(em, batch), batch, maxBatches),
    rateLimits: await drain(() => purgeSpentRateLimits(em, batch), batch, maxBatches),
    tickets: await drain(() => purgeSpentTickets(em, batch), batch, maxBatches),
    idempotencyKeys: await purgeExpiredIdempotencyKeys(em),
  };
}

import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Deletes up to `batch` rows of `table` that `where` selects, skipping rows another transaction holds, so that
 * several instances can purge side by side and no purge holds many locks at once. Returns how many went.
 */
async function purgeBatch(em: EntityManager, table: string, where: string, params: unknown[], batch: number, key = 'id'): Promise<number> {
  const result = await em.execute<{ affectedRows: number }>(
    `delete from ${table} where ${key} in (select ${key} from ${table} where ${where} limit ? for update skip locked)`,
    [...params, batch],
    'run',
  );
  return result.affectedRows;
}

/**
 * Outbox events dispatched more than `retentionDays` ago. An event a vendor's inbox entry was made from stays
 * (the inbox keeps its notifications); the rest were only ever a relay.
 */
export function purgeDispatchedEvents(em: EntityManager, retentionDays: number, batch: number): Promise<number> {
  return purgeBatch(
    em,
    'outbox_event',
    `dispatched_at < now() - make_interval(days => ?) and not exists (select 1 from notification n where n.event_id = outbox_event.id)`,
    [retentionDays],
    batch,
  );
}

/** Tokens that can never authenticate again: expired, or revoked. */
export function purgeDeadTokens(em: EntityManager, batch: number): Promise<number> {
  return purgeBatch(em, 'api_token', 'expires_at < now() or revoked_at is not null', [], batch);
}

/** Rate-limit counters whose window has ended (`expire` is in milliseconds since the epoch). */
export function purgeSpentRateLimits(em: EntityManager, batch: number): Promise<number> {
  return purgeBatch(em, 'rate_limit', 'expire < ?', [Date.now()], batch, 'key');
}

/** Subscription tickets spent or past their (short) life. */
export function purgeSpentTickets(em: EntityManager, batch: number): Promise<number> {
  return purgeBatch(em, 'subscription_ticket', 'used_at is not null or expires_at < now()', [], batch);
}

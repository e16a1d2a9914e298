import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Deletes up to `batch` rows of `table` that `where` selects, skipping rows another transaction holds, so that
 * several instances can purge side by side and no purge holds many locks at once. Returns how many went.
 */
async function purgeBatch(em: EntityManager, table: string, where: string, params: unknown[], batch: number): Promise<number> {
  const result = await em.execute<{ affectedRows: number }>(
    `delete from ${table} where id in (select id from ${table} where ${where} limit ? for update skip locked)`,
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

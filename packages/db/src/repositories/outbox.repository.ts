import type { EntityManager } from '@mikro-orm/postgresql';
import { OutboxEvent, type IOutboxEvent } from '../entities/outbox-event.entity';

export const ORDER_EVENTS_CHANNEL = 'frookoon_order_events';
const DISPATCHER_LOCK = 4242002;

/**
 * Takes the dispatcher's turn: true when this transaction may dispatch. One dispatcher at a time keeps the
 * events of an order in the order they were written, across instances.
 */
export async function takeDispatcherTurn(tx: EntityManager): Promise<boolean> {
  const rows = await tx.execute<{ locked: boolean }[]>('select pg_try_advisory_xact_lock(?) as locked', [DISPATCHER_LOCK]);
  return rows[0]?.locked === true;
}

export async function undispatchedEvents(tx: EntityManager, limit: number): Promise<IOutboxEvent[]> {
  return tx.find(OutboxEvent, { dispatchedAt: null }, { orderBy: { id: 'asc' }, limit });
}

/** Sends the payloads with NOTIFY, in order, delivered when the transaction commits. */
export async function notifyOrderEvents(tx: EntityManager, payloads: readonly string[]): Promise<void> {
  if (payloads.length === 0) return;
  await tx.execute(
    `select pg_notify('${ORDER_EVENTS_CHANNEL}', p) from jsonb_array_elements_text(?::jsonb) with ordinality as t(p, n) order by n`,
    [JSON.stringify(payloads)],
  );
}

export async function markDispatched(tx: EntityManager, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  // knex expands an array binding into a list of parameters.
  await tx.execute('update outbox_event set dispatched_at = now(), attempts = attempts + 1 where id in (?)', [ids]);
}

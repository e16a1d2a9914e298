import type { EntityManager } from '@mikro-orm/postgresql';
import { OutboxEvent } from '@frookoon/db';
import type { Actor } from '../shared/actor';
import type { OrderEventsHub } from '../../events/order-events.hub';
import { toOrderEventMessage, type OrderEventMessage } from '../../events/order-event-message';
import { getOrder } from './orders.service';
import type { StreamLease } from '../auth/stream-guard';

/**
 * The status events of one order the actor may see: first any dispatched after `lastEventId` (a reconnecting
 * client misses nothing), then live ones, each exactly once and in order. Visibility is checked before the
 * stream opens, so that a refusal is an ordinary error rather than a broken stream the client retries. The stream
 * ends when its lease does (client gone, too old, token revoked or expired), and gives the lease back.
 */
export async function watchOrder(
  deps: { em: EntityManager; actor: Actor; hub: OrderEventsHub },
  input: { id: string; lastEventId?: string | null },
  lease: StreamLease,
): Promise<AsyncGenerator<OrderEventMessage>> {
  try {
    await getOrder(deps, input.id);
  } catch (err) {
    lease.release();
    throw err;
  }
  // Listen before reading the backlog, so nothing falls between the two.
  const live = deps.hub.events(input.id, lease.signal);
  return stream(deps.em, input, live, lease);
}

async function* stream(
  em: EntityManager,
  input: { id: string; lastEventId?: string | null },
  live: AsyncIterable<OrderEventMessage>,
  lease: StreamLease,
): AsyncGenerator<OrderEventMessage> {
  try {
    yield* replayAndFollow(em, input, live);
  } finally {
    lease.release();
  }
}

async function* replayAndFollow(
  em: EntityManager,
  input: { id: string; lastEventId?: string | null },
  live: AsyncIterable<OrderEventMessage>,
): AsyncGenerator<OrderEventMessage> {
  let last = input.lastEventId ?? '';
  if (input.lastEventId) {
    const missed = await em.find(
      OutboxEvent,
      { aggregateId: input.id, id: { $gt: input.lastEventId }, dispatchedAt: { $ne: null } },
      { orderBy: { id: 'asc' } },
    );
    for (const e of missed) {
      last = e.id;
      yield toOrderEventMessage(e);
    }
  }
  for await (const event of live) {
    if (event.eventId <= last) continue;
    last = event.eventId;
    yield event;
  }
}

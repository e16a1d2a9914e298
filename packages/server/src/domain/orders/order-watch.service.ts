import type { EntityManager } from '@mikro-orm/postgresql';
import { OutboxEvent } from '@frookoon/db';
import type { Actor } from '../shared/actor';
import type { OrderEventsHub } from '../../events/order-events.hub';
import { toOrderEventMessage, type OrderEventMessage } from '../../events/order-event-message';
import { getOrder } from './orders.service';

/**
 * The status events of one order the actor may see: first any dispatched after `lastEventId` (a reconnecting
 * client misses nothing), then live ones, each exactly once and in order. Visibility is checked before the
 * stream opens, so that a refusal is an ordinary error rather than a broken stream the client retries.
 */
export async function watchOrder(
  deps: { em: EntityManager; actor: Actor; hub: OrderEventsHub },
  input: { id: string; lastEventId?: string | null },
  signal?: AbortSignal,
): Promise<AsyncGenerator<OrderEventMessage>> {
  await getOrder(deps, input.id);
  // Listen before reading the backlog, so nothing falls between the two.
  const live = deps.hub.events(input.id, signal);
  return stream(deps.em, input, live);
}

async function* stream(
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

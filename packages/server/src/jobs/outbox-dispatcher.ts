import type { EntityManager } from '@mikro-orm/postgresql';
import { Notification, markDispatched, notifyOrderEvents, takeDispatcherTurn, undispatchedEvents, type IOutboxEvent } from '@frookoon/db';

/** Events that land in the vendor's notification inbox. */
const VENDOR_INBOX = new Set(['order.confirmed', 'order.cancelled', 'payout.released']);

/** What subscribers receive for each event, over NOTIFY (kept far below its 8000-byte limit). */
export interface OrderEventMessage {
  eventId: string;
  type: string;
  orderId: string;
  customerId: string | null;
  vendorId: string | null;
  status: string | null;
  previousStatus: string | null;
  at: string;
}

export function toOrderEventMessage(event: IOutboxEvent): OrderEventMessage {
  const p = event.payload as Record<string, string | null | undefined>;
  return {
    eventId: event.id, type: event.type, orderId: event.aggregateId, customerId: p.customerId ?? null, vendorId: p.vendorId ?? null,
    status: p.status ?? null, previousStatus: p.previousStatus ?? null, at: event.createdAt.toISOString(),
  };
}

/**
 * Dispatches committed outbox events: vendor inbox rows, then NOTIFY to every instance's subscribers, then
 * marks them dispatched, in one transaction. A failure before commit leaves them for the next run, so each
 * event is delivered at least once; the inbox keeps one row per event however often it is dispatched.
 */
export async function dispatchOutbox(em: EntityManager, limit = 200): Promise<number> {
  return em.transactional(async (tx) => {
    if (!(await takeDispatcherTurn(tx))) return 0;
    const events = await undispatchedEvents(tx, limit);
    for (const event of events) {
      const vendorId = (event.payload as { vendorId?: string }).vendorId;
      if (VENDOR_INBOX.has(event.type) && vendorId) {
        tx.create(Notification, { vendor: vendorId, event: event.id, type: event.type, orderId: event.aggregateId, payload: event.payload, readAt: null });
      }
    }
    await tx.flush();
    await notifyOrderEvents(tx, events.map((e) => JSON.stringify(toOrderEventMessage(e))));
    await markDispatched(tx, events.map((e) => e.id));
    return events.length;
  });
}

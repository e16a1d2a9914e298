import type { EntityManager } from '@mikro-orm/postgresql';
import { Notification, markDispatched, notifyOrderEvents, takeDispatcherTurn, undispatchedEvents } from '@frookoon/db';
import { toOrderEventMessage } from '../events/order-event-message';

/** Events that land in the vendor's notification inbox. */
const VENDOR_INBOX = new Set(['order.confirmed', 'order.cancelled', 'payout.released']);

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

import type { EntityManager } from '@mikro-orm/postgresql';
import { dispatchEvents, inSqlTransaction, takeDispatcherTurn, type InboxEntry } from '@frookoon/db';
import { toOrderEventMessage } from '../events/order-event-message';

/** Events that land in the vendor's notification inbox. */
const VENDOR_INBOX = new Set(['order.confirmed', 'order.cancelled', 'payout.released']);

/** The dispatcher waits this long at most for another instance's dispatcher to let go of a row. */
const DISPATCH_LOCK_TIMEOUT_MS = 5000;

/**
 * Dispatches committed outbox events: vendor inbox rows, then NOTIFY to every instance's subscribers, then marks
 * them dispatched, in one transaction of two round trips (the turn with the events to send, then the dispatch with
 * the commit). A failure before commit leaves them for the next run, so each event is delivered at least once; the
 * inbox keeps one row per event however often it is dispatched.
 */
export async function dispatchOutbox(em: EntityManager, limit = 200): Promise<number> {
  // Every statement reads by a key or an index: each keeps one plan per connection instead of one per run.
  return inSqlTransaction(em, { lockTimeoutMs: DISPATCH_LOCK_TIMEOUT_MS, retries: 0, genericPlans: true }, async (sql) => {
    const events = await takeDispatcherTurn(sql, limit);
    if (!events || events.length === 0) return 0;
    const inbox: InboxEntry[] = [];
    for (const event of events) {
      const vendorId = (event.payload as { vendorId?: string }).vendorId;
      if (VENDOR_INBOX.has(event.type) && vendorId) {
        inbox.push({ vendorId, eventId: event.id, type: event.type, orderId: event.aggregateId, payload: event.payload });
      }
    }
    await dispatchEvents(sql.andCommit(), inbox, events.map((e) => JSON.stringify(toOrderEventMessage(e))), events.map((e) => e.id));
    return events.length;
  });
}

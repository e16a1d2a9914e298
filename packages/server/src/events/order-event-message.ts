import type { IOutboxEvent } from '@frookoon/db';

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

/** The one shape of an order event outside the outbox: read by the dispatcher and by status subscriptions. */
export function toOrderEventMessage(event: Pick<IOutboxEvent, 'id' | 'type' | 'aggregateId' | 'payload' | 'createdAt'>): OrderEventMessage {
  const p = event.payload as Record<string, string | null | undefined>;
  return {
    eventId: event.id, type: event.type, orderId: event.aggregateId, customerId: p.customerId ?? null, vendorId: p.vendorId ?? null,
    status: p.status ?? null, previousStatus: p.previousStatus ?? null, at: event.createdAt.toISOString(),
  };
}

import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';
import { Vendor } from './vendor.entity';
import { OutboxEvent } from './outbox-event.entity';

/** A vendor's inbox entry, made from an outbox event; one per event, however often it is dispatched. */
export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notification',
  indexes: [{ name: 'notification_vendor_idx', properties: ['vendor', 'id'] }],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    vendor: () => p.manyToOne(Vendor).mapToPk().deleteRule('cascade'),
    event: () => p.manyToOne(OutboxEvent).mapToPk().unique().deleteRule('cascade'),
    type: p.string().length(64),
    orderId: p.uuid().nullable(),
    payload: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    readAt: p.datetime().nullable(),
  },
});
export type INotification = InferEntity<typeof Notification>;

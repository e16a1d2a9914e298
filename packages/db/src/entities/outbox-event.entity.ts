import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';

/** Events written in the transaction that caused them and dispatched after commit, at least once. */
export const OutboxEvent = defineEntity({
  name: 'OutboxEvent',
  tableName: 'outbox_event',
  indexes: [
    { name: 'outbox_event_undispatched_idx', properties: ['id'], expression: 'create index outbox_event_undispatched_idx on outbox_event (id) where dispatched_at is null' },
    { name: 'outbox_event_aggregate_idx', properties: ['aggregateId'] },
  ],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    type: p.string().length(64),
    aggregateId: p.uuid(),
    payload: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    dispatchedAt: p.datetime().nullable(),
    attempts: p.integer().default(0),
  },
});
export type IOutboxEvent = InferEntity<typeof OutboxEvent>;

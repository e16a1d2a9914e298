import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ORDER_STATUSES } from '@frookoon/contract';
import { newId } from './ids';
import { Order } from './order.entity';
import { User } from './user.entity';

/** The audit trail: one row per status change, written in the transaction that made the change. */
export const OrderStatusHistory = defineEntity({
  name: 'OrderStatusHistory',
  tableName: 'order_status_history',
  indexes: [{ name: 'order_status_history_order_changed_at_idx', properties: ['order', 'changedAt'] }],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    order: () => p.manyToOne(Order).mapToPk().deleteRule('restrict'),
    previousStatus: p.enum([...ORDER_STATUSES]).nullable(),
    newStatus: p.enum([...ORDER_STATUSES]),
    /** Null when the system made the change (payment outcome, expiry). */
    changedBy: () => p.manyToOne(User).mapToPk().nullable().deleteRule('restrict'),
    changedAt: p.datetime().onCreate(() => new Date()),
    reason: p.text().nullable(),
    requestId: p.string().length(64).nullable(),
  },
});
export type IOrderStatusHistory = InferEntity<typeof OrderStatusHistory>;

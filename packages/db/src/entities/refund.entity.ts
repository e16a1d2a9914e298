import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { REFUND_STATUSES } from '@frookoon/contract';
import { newId } from './ids';
import { Order } from './order.entity';

/**
 * Money going back for a paid order that was cancelled. Written `requested` in the cancelling transaction and
 * carried out after commit by the refund job, which calls the gateway with the refund id as its idempotency key;
 * one per order, so an order is never refunded twice.
 */
export const Refund = defineEntity({
  name: 'Refund',
  tableName: 'refund',
  indexes: [
    { name: 'refund_due_idx', properties: ['nextAttemptAt'], expression: "create index refund_due_idx on refund (next_attempt_at) where status = 'requested'" },
  ],
  checks: [{ name: 'refund_amount_check', expression: 'amount_cents > 0' }],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    order: () => p.manyToOne(Order).mapToPk().unique().deleteRule('restrict'),
    status: p.enum([...REFUND_STATUSES]),
    amountCents: p.integer(),
    currency: p.string().length(3),
    /** The charge being refunded (the gateway's reference). */
    paymentReference: p.string().length(100),
    /** The gateway's reference of the refund, once it went through. */
    reference: p.string().length(100).nullable(),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime(),
    lastError: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type IRefund = InferEntity<typeof Refund>;

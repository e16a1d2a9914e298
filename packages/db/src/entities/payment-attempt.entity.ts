import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';
import { Order } from './order.entity';

export const PAYMENT_ATTEMPT_STATUSES = ['pending', 'succeeded', 'declined', 'refunded'] as const;

/** Recorded before the gateway is called, so a payment is charged at most once per order. */
export const PaymentAttempt = defineEntity({
  name: 'PaymentAttempt',
  tableName: 'payment_attempt',
  properties: {
    id: p.uuid().primary().onCreate(newId),
    order: () => p.manyToOne(Order).mapToPk().unique().deleteRule('cascade'),
    status: p.enum([...PAYMENT_ATTEMPT_STATUSES]),
    amountCents: p.integer(),
    currency: p.string().length(3),
    reference: p.string().length(100).nullable(),
    declineReason: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type IPaymentAttempt = InferEntity<typeof PaymentAttempt>;

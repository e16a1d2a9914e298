import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';
import { Order } from './order.entity';
import { Checkout } from './checkout.entity';

export const PAYMENT_ATTEMPT_STATUSES = ['pending', 'succeeded', 'declined', 'refunded'] as const;

/**
 * Recorded before the gateway is called, so a payment is charged at most once per order, or once per checkout
 * for the orders of a multi-vendor cart: exactly one of `order` and `checkout` is set.
 */
export const PaymentAttempt = defineEntity({
  name: 'PaymentAttempt',
  tableName: 'payment_attempt',
  checks: [{ name: 'payment_attempt_target_check', expression: '(order_id is null) <> (checkout_id is null)' }],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    order: () => p.manyToOne(Order).mapToPk().unique().nullable().deleteRule('cascade'),
    checkout: () => p.manyToOne(Checkout).mapToPk().unique().nullable().deleteRule('cascade'),
    /** The orders this charge pays for, fixed when the attempt is made (a checkout's orders still pending then). */
    orderIds: p.json<string[]>(),
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

import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ORDER_STATUSES } from '@frookoon/contract';
import { newId } from './ids';
import { User } from './user.entity';
import { Vendor } from './vendor.entity';
import { Address } from './address.entity';
import { Checkout } from './checkout.entity';

/** One order is placed with one vendor, who packs and ships all of it (a checkout holds one per vendor). */
export const Order = defineEntity({
  name: 'Order',
  tableName: 'customer_order',
  indexes: [
    { name: 'customer_order_customer_idx', properties: ['customer', 'id'] },
    { name: 'customer_order_vendor_idx', properties: ['vendor', 'id'] },
    { name: 'customer_order_checkout_idx', properties: ['checkout'] },
    // A customer's unpaid orders, counted before each new order (the cap on reserved stock).
    { name: 'customer_order_customer_pending_idx', properties: ['customer'], expression: "create index customer_order_customer_pending_idx on customer_order (customer_id) where status = 'PENDING'" },
    { name: 'customer_order_pending_idx', properties: ['createdAt'], expression: "create index customer_order_pending_idx on customer_order (created_at) where status = 'PENDING'" },
  ],
  checks: [
    { name: 'customer_order_total_check', expression: 'total_cents >= 0' },
    { name: 'customer_order_paid_check', expression: 'paid_cents >= 0 and paid_cents <= total_cents' },
  ],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    customer: () => p.manyToOne(User).mapToPk().deleteRule('restrict'),
    vendor: () => p.manyToOne(Vendor).mapToPk().deleteRule('restrict'),
    address: () => p.manyToOne(Address).mapToPk().deleteRule('restrict'),
    status: p.enum([...ORDER_STATUSES]),
    totalCents: p.integer(),
    currency: p.string().length(3),
    /** The order's checkout, when it was placed as part of a multi-vendor cart. */
    checkout: () => p.manyToOne(Checkout).mapToPk().nullable().deleteRule('restrict'),
    /** What the customer was charged for this order (its total once paid, else 0). */
    paidCents: p.integer().default(0),
    paymentReference: p.string().length(100).nullable(),
    carrier: p.string().length(100).nullable(),
    trackingNumber: p.string().length(100).nullable(),
    /** The delivery code the customer reads out; only the order's customer is shown it. */
    deliveryOtp: p.string().length(6).nullable(),
    /** Wrong delivery codes tried since the code was issued; the code stops working at a bound. */
    deliveryOtpFailures: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type IOrder = InferEntity<typeof Order>;

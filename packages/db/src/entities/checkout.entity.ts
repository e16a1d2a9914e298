import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';
import { User } from './user.entity';
import { Address } from './address.entity';

/**
 * One cart of lines from any number of vendors, paid with one charge: it holds one order per vendor
 * (`customer_order.checkout_id`). Its status is derived from those orders, never stored twice.
 */
export const Checkout = defineEntity({
  name: 'Checkout',
  tableName: 'checkout',
  indexes: [{ name: 'checkout_customer_idx', properties: ['customer', 'id'] }],
  checks: [{ name: 'checkout_total_check', expression: 'total_cents >= 0' }],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    customer: () => p.manyToOne(User).mapToPk().deleteRule('restrict'),
    address: () => p.manyToOne(Address).mapToPk().deleteRule('restrict'),
    totalCents: p.integer(),
    currency: p.string().length(3),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type ICheckout = InferEntity<typeof Checkout>;

import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';
import { Order } from './order.entity';
import { Product } from './product.entity';

/** A line of an order, with the product's name, SKU and price as they were when it was ordered. */
export const OrderItem = defineEntity({
  name: 'OrderItem',
  tableName: 'order_item',
  uniques: [{ name: 'order_item_order_product_unique', properties: ['order', 'product'] }],
  checks: [{ name: 'order_item_quantity_check', expression: 'quantity > 0' }],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    order: () => p.manyToOne(Order).mapToPk().deleteRule('cascade'),
    product: () => p.manyToOne(Product).mapToPk().deleteRule('restrict').index(),
    productName: p.string().length(200),
    sku: p.string().length(64),
    unitPriceCents: p.integer(),
    quantity: p.integer(),
  },
});
export type IOrderItem = InferEntity<typeof OrderItem>;

import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Product } from './product.entity';

/** One row per orderable product: the row that order creation locks. */
export const Stock = defineEntity({
  name: 'Stock',
  tableName: 'stock',
  checks: [{ name: 'stock_quantity_check', expression: 'quantity >= 0' }],
  properties: {
    productId: () => p.oneToOne(Product).primary().mapToPk().fieldName('product_id').deleteRule('cascade').owner(),
    quantity: p.integer(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type IStock = InferEntity<typeof Stock>;

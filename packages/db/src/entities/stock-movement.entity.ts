import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';
import { Order } from './order.entity';
import { Product } from './product.entity';
import { User } from './user.entity';

export const STOCK_MOVEMENT_KINDS = ['reserve', 'release', 'restock', 'adjust'] as const;
export type StockMovementKind = (typeof STOCK_MOVEMENT_KINDS)[number];

/**
 * Append-only stock ledger: `stock.quantity` always equals the sum of a product's deltas.
 * Unique per (order, product, kind), so an order reserves and releases each product at most once.
 */
export const StockMovement = defineEntity({
  name: 'StockMovement',
  tableName: 'stock_movement',
  uniques: [{ name: 'stock_movement_order_product_kind_unique', properties: ['order', 'product', 'kind'] }],
  indexes: [{ name: 'stock_movement_product_idx', properties: ['product'] }],
  checks: [{ name: 'stock_movement_delta_check', expression: 'delta <> 0' }],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    product: () => p.manyToOne(Product).mapToPk().deleteRule('restrict'),
    order: () => p.manyToOne(Order).mapToPk().nullable().deleteRule('restrict'),
    kind: p.enum([...STOCK_MOVEMENT_KINDS]),
    delta: p.integer(),
    actor: () => p.manyToOne(User).mapToPk().nullable().deleteRule('restrict'),
    reason: p.text().nullable(),
    at: p.datetime().onCreate(() => new Date()),
  },
});
export type IStockMovement = InferEntity<typeof StockMovement>;

import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';
import { Vendor } from './vendor.entity';

export const Product = defineEntity({
  name: 'Product',
  tableName: 'product',
  uniques: [{ name: 'product_vendor_sku_unique', properties: ['vendor', 'sku'] }],
  checks: [{ name: 'product_price_check', expression: 'price_cents >= 0' }],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    vendor: () => p.manyToOne(Vendor).mapToPk().deleteRule('restrict'),
    name: p.string().length(200),
    sku: p.string().length(64),
    priceCents: p.integer(),
    currency: p.string().length(3),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IProduct = InferEntity<typeof Product>;

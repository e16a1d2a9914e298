import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';

export const Vendor = defineEntity({
  name: 'Vendor',
  tableName: 'vendor',
  properties: {
    id: p.uuid().primary().onCreate(newId),
    name: p.string().length(200),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IVendor = InferEntity<typeof Vendor>;

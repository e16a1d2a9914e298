import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';
import { User } from './user.entity';

export const Address = defineEntity({
  name: 'Address',
  tableName: 'address',
  properties: {
    id: p.uuid().primary().onCreate(newId),
    customer: () => p.manyToOne(User).mapToPk().deleteRule('cascade').index(),
    line1: p.string().length(200),
    line2: p.string().length(200).nullable(),
    city: p.string().length(100),
    postalCode: p.string().length(20),
    country: p.string().length(2),
    phone: p.string().length(32).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IAddress = InferEntity<typeof Address>;

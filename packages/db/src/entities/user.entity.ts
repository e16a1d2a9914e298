import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ROLES } from '@frookoon/contract';
import { newId } from './ids';
import { Vendor } from './vendor.entity';

export const User = defineEntity({
  name: 'User',
  tableName: 'app_user',
  checks: [{ name: 'app_user_vendor_role_check', expression: "(role = 'vendor') = (vendor_id is not null)" }],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    email: p.string().length(320).unique(),
    name: p.string().length(200),
    passwordHash: p.string().length(255).hidden().lazy(true, false),
    role: p.enum([...ROLES]),
    vendor: () => p.manyToOne(Vendor).mapToPk().nullable().deleteRule('restrict'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IUser = InferEntity<typeof User>;

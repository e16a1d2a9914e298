import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { newId } from './ids';
import { Order } from './order.entity';
import { Vendor } from './vendor.entity';

export const VENDOR_LEDGER_KINDS = ['credit', 'payout'] as const;
export type VendorLedgerKind = (typeof VENDOR_LEDGER_KINDS)[number];

/**
 * Append-only money owed to vendors: a `credit` of the order's total when it is delivered, a `payout` (negative)
 * when money is paid out. A vendor's balance is the sum of its rows; unique per (order, kind), so a delivery is
 * credited once.
 */
export const VendorLedgerEntry = defineEntity({
  name: 'VendorLedgerEntry',
  tableName: 'vendor_ledger',
  uniques: [{ name: 'vendor_ledger_order_kind_unique', properties: ['order', 'kind'] }],
  indexes: [{ name: 'vendor_ledger_vendor_idx', properties: ['vendor', 'id'] }],
  checks: [
    { name: 'vendor_ledger_sign_check', expression: "(kind = 'credit' and amount_cents > 0) or (kind = 'payout' and amount_cents < 0)" },
  ],
  properties: {
    id: p.uuid().primary().onCreate(newId),
    vendor: () => p.manyToOne(Vendor).mapToPk().deleteRule('restrict'),
    order: () => p.manyToOne(Order).mapToPk().nullable().deleteRule('restrict'),
    kind: p.enum([...VENDOR_LEDGER_KINDS]),
    amountCents: p.integer(),
    currency: p.string().length(3),
    at: p.datetime().onCreate(() => new Date()),
  },
});
export type IVendorLedgerEntry = InferEntity<typeof VendorLedgerEntry>;

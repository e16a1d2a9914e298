import { z } from 'zod';
import { ZCurrency, ZCursor, ZId, ZLimit } from '../shared/schemas';

export const ZProduct = z.object({
  id: z.uuid(),
  vendorId: z.uuid(),
  name: z.string(),
  sku: z.string(),
  priceCents: z.number().int(),
  currency: z.string(),
  /** Units in stock; null when the product has no stock row and cannot be ordered. */
  stock: z.number().int().nullable(),
  createdAt: z.date(),
});
export type TProduct = z.infer<typeof ZProduct>;

export const ZProductListInput = z.object({ cursor: ZCursor, limit: ZLimit, vendorId: ZId.optional() });
export type TProductListInput = z.infer<typeof ZProductListInput>;

export const ZProductPage = z.object({ items: z.array(ZProduct), nextCursor: z.uuid().nullable() });

export const ZProductByIdInput = z.object({ id: ZId });

export const ZCreateProductInput = z.object({
  name: z.string().trim().min(1).max(200),
  sku: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'Letters, digits, dot, dash and underscore only'),
  priceCents: z.number().int().min(0).max(100_000_000),
  currency: ZCurrency,
  initialStock: z.number().int().min(0).max(1_000_000),
  vendorId: ZId.optional(),
});
export type TCreateProductInput = z.infer<typeof ZCreateProductInput>;

export const ZStock = z.object({ productId: z.uuid(), quantity: z.number().int(), updatedAt: z.date() });
export type TStock = z.infer<typeof ZStock>;

export const ZStockGetInput = z.object({ productId: ZId });

export const ZStockAdjustInput = z.object({
  productId: ZId,
  delta: z.number().int().min(-1_000_000).max(1_000_000).refine((d) => d !== 0, 'A zero adjustment changes nothing'),
  reason: z.string().trim().min(1).max(500),
});
export type TStockAdjustInput = z.infer<typeof ZStockAdjustInput>;

export const ZStockAudit = z.object({
  checkedAt: z.date(),
  sound: z.boolean(),
  mismatches: z.array(z.object({ productId: z.uuid(), quantity: z.number().int(), ledgerTotal: z.number().int() })),
});

import { z } from 'zod';
import { ORDER_STATUSES, ORDER_TRANSITIONS, REFUND_STATUSES } from '@frookoon/contract';
import { ZCursor, ZId, ZLimit, requiredByService } from '../shared/schemas';

export const MAX_ORDER_LINES = 100;
export const MAX_LINE_QUANTITY = 1000;

export const ZOrderLineInput = z.object({
  productId: ZId,
  quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY),
});

export const ZCreateOrderInput = z.object({
  addressId: requiredByService(ZId.nullish()),
  items: z.array(ZOrderLineInput).min(1).max(MAX_ORDER_LINES),
  /** Same as the `Idempotency-Key` header. */
  idempotencyKey: z.string().trim().min(1).max(255).optional(),
});
export type TCreateOrderInput = z.infer<typeof ZCreateOrderInput>;

export const ZOrderItem = z.object({
  productId: z.uuid(),
  productName: z.string(),
  sku: z.string(),
  unitPriceCents: z.number().int(),
  quantity: z.number().int(),
  lineTotalCents: z.number().int(),
});

const ACTIONS = [...new Set(ORDER_TRANSITIONS.map((t) => t.action))] as [string, ...string[]];

export const ZOrder = z.object({
  id: z.uuid(),
  status: z.enum(ORDER_STATUSES),
  customerId: z.uuid(),
  vendorId: z.uuid(),
  addressId: z.uuid(),
  totalCents: z.number().int(),
  currency: z.string(),
  items: z.array(ZOrderItem),
  /** What the customer was charged for this order: its total once paid, else 0. */
  paidCents: z.number().int(),
  /** What has been paid back (a cancelled paid order is refunded its paid amount). */
  refundedCents: z.number().int(),
  refundStatus: z.enum(['none', ...REFUND_STATUSES]),
  /** The checkout the order was placed in, when its cart spanned vendors. */
  checkoutId: z.uuid().nullable(),
  paymentReference: z.string().nullable(),
  carrier: z.string().nullable(),
  trackingNumber: z.string().nullable(),
  /** Shown to the order's customer only, to read out to the courier. */
  deliveryOtp: z.string().nullable(),
  /** What the caller may do next, from the shared transition table. */
  allowedTransitions: z.array(z.enum(ACTIONS)),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type TOrder = z.infer<typeof ZOrder>;

export const ZOrderByIdInput = z.object({ id: ZId });

/** An instant with its offset, e.g. `2026-01-07T00:00:00Z`; a query string brings it as text on both faces. */
const ZInstant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/**
 * Every filter narrows what the caller may see anyway: a vendor naming another vendor finds nothing. Searching by
 * customer email is for admins only, since it would tie an email to the customers of a vendor's orders.
 */
export const ZOrderListInput = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  /** Admins only: the orders of the account with this email. */
  customerEmail: z.string().trim().toLowerCase().pipe(z.email({ message: 'Enter a valid email address' })).optional(),
  vendorId: ZId.optional(),
  /** Placed at or after this instant. */
  createdFrom: ZInstant.optional(),
  /** Placed before this instant. */
  createdUntil: ZInstant.optional(),
  cursor: ZCursor,
  limit: ZLimit,
});
export type TOrderListInput = z.infer<typeof ZOrderListInput>;

export const ZOrderPage = z.object({ items: z.array(ZOrder), nextCursor: z.uuid().nullable() });

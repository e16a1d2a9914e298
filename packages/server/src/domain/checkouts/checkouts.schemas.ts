import { z } from 'zod';
import { ZId, requiredByService } from '../shared/schemas';
import { MAX_ORDER_LINES, ZOrder, ZOrderLineInput } from '../orders/orders.schemas';

export const ZCreateCheckoutInput = z.object({
  addressId: requiredByService(ZId.nullish()),
  /** Lines of any vendors' products, in one currency. */
  items: z.array(ZOrderLineInput).min(1).max(MAX_ORDER_LINES),
  /** Same as the `Idempotency-Key` header. */
  idempotencyKey: z.string().trim().min(1).max(255).optional(),
});
export type TCreateCheckoutInput = z.infer<typeof ZCreateCheckoutInput>;

export const ZCheckout = z.object({
  id: z.uuid(),
  /** Derived from its orders: PAID once charged, CANCELLED when all were cancelled unpaid, else PENDING. */
  status: z.enum(['PENDING', 'PAID', 'CANCELLED']),
  addressId: z.uuid(),
  totalCents: z.number().int(),
  currency: z.string(),
  /** One order per vendor of the cart. */
  orders: z.array(ZOrder),
  createdAt: z.date(),
});
export type TCheckout = z.infer<typeof ZCheckout>;

export const ZCheckoutIdInput = z.object({ id: ZId });


import { z } from 'zod';
import { ORDER_STATUSES } from '@frookoon/contract';
import { ZId } from '../shared/schemas';
import { ZOrder } from './orders.schemas';

const ZReason = z.string().trim().min(1).max(500);

export const ZPayInput = z.object({ id: ZId, paymentToken: z.string().trim().min(1).max(200) });
export const ZOrderIdInput = z.object({ id: ZId });
export const ZShipInput = z.object({ id: ZId, carrier: z.string().trim().min(1).max(100), trackingNumber: z.string().trim().min(1).max(100).optional() });
export const ZDeliverInput = z.object({ id: ZId, otp: z.string().regex(/^\d{6}$/, 'The delivery code has six digits').optional() });
export const ZCancelInput = z.object({ id: ZId, reason: ZReason.optional() });

export const ZPicklistLine = z.object({ sku: z.string(), productName: z.string(), quantity: z.number().int() });
export const ZPackingResult = z.object({ order: ZOrder, picklist: z.array(ZPicklistLine) });

export const ZHistoryEntry = z.object({
  id: z.uuid(),
  previousStatus: z.enum(ORDER_STATUSES).nullable(),
  newStatus: z.enum(ORDER_STATUSES),
  /** Null when the system made the change. */
  changedBy: z.uuid().nullable(),
  changedAt: z.date(),
  reason: z.string().nullable(),
  requestId: z.string().nullable(),
});
export type THistoryEntry = z.infer<typeof ZHistoryEntry>;

import { z } from 'zod';
import { ZCursor, ZLimit } from '../shared/schemas';

export const ZNotificationListInput = z.object({ cursor: ZCursor, limit: ZLimit });
export const ZNotification = z.object({
  id: z.uuid(),
  type: z.string(),
  orderId: z.uuid().nullable(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.date(),
  readAt: z.date().nullable(),
});
export const ZNotificationPage = z.object({ items: z.array(ZNotification), nextCursor: z.uuid().nullable() });

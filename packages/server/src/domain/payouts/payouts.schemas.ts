import { z } from 'zod';
import { VENDOR_LEDGER_KINDS } from '@frookoon/db';
import { ZCursor, ZId, ZLimit } from '../shared/schemas';

/** A vendor reads its own; an admin names the vendor. */
export const ZPayoutScopeInput = z.object({ vendorId: ZId.optional() });
export const ZPayoutLedgerInput = ZPayoutScopeInput.extend({ cursor: ZCursor, limit: ZLimit });

export const ZVendorBalance = z.object({ vendorId: z.uuid(), balanceCents: z.number().int(), currency: z.string() });

export const ZVendorLedgerEntry = z.object({
  id: z.uuid(),
  kind: z.enum(VENDOR_LEDGER_KINDS),
  /** Positive for a credit (a delivered order), negative for a payout made. */
  amountCents: z.number().int(),
  currency: z.string(),
  orderId: z.uuid().nullable(),
  at: z.date(),
});
export const ZVendorLedgerPage = z.object({ items: z.array(ZVendorLedgerEntry), nextCursor: z.uuid().nullable() });

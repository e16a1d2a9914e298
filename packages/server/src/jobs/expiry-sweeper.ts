import type { EntityManager } from '@mikro-orm/postgresql';
import { Order, claimExpiredOrder, inLockedTransaction } from '@frookoon/db';
import { applyLocked } from '../domain/orders/order-lifecycle.service';

export interface SweepOptions {
  paymentTimeoutMs: number;
  lockTimeoutMs: number;
  /** Most orders cancelled in one sweep. */
  limit?: number;
}

/**
 * Cancels pending orders left unpaid past the timeout (reason `payment_timeout`, by the system), one order
 * per transaction so that a sweep never holds the stock of several orders at once. Safe to run on every
 * instance at the same time: each order is claimed with `FOR UPDATE SKIP LOCKED`.
 */
export async function sweepExpiredOrders(em: EntityManager, options: SweepOptions): Promise<string[]> {
  const cancelled: string[] = [];
  const cutoff = new Date(Date.now() - options.paymentTimeoutMs);
  for (let i = 0; i < (options.limit ?? 100); i++) {
    const id = await inLockedTransaction(em, { lockTimeoutMs: options.lockTimeoutMs }, async (tx) => {
      const claimed = await claimExpiredOrder(tx, cutoff);
      if (!claimed) return null;
      const order = await tx.findOneOrFail(Order, { id: claimed });
      await applyLocked(tx, { actor: null, requestId: null }, order, 'expire', { reason: 'payment_timeout' });
      return claimed;
    });
    if (!id) break;
    cancelled.push(id);
  }
  return cancelled;
}

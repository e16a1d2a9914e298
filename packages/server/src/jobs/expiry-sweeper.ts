import type { EntityManager } from '@mikro-orm/postgresql';
import { Order, PaymentAttempt, claimExpiredOrder, inLockedTransaction, lockOrderRow, staleAttempts } from '@frookoon/db';
import { applyLocked } from '../domain/orders/order-lifecycle.service';
import type { PaymentGateway } from '../domain/payments/payment-gateway';
import { settleAttempt } from '../domain/payments/payment.service';

/** How long after its last touch an attempt the gateway does not know is taken to have charged nothing. */
export const UNSEEN_CHARGE_MS = 60 * 60_000;

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
      // A checkout's unpaid orders expire together (their rows locked in id order, after the claimed one).
      if (order.checkout) {
        const siblings = await tx.find(Order, { checkout: order.checkout, status: 'PENDING', id: { $ne: claimed } }, { fields: ['id'], orderBy: { id: 'asc' } });
        for (const { id: siblingId } of siblings) {
          const sibling = await lockOrderRow(tx, siblingId, {});
          if (sibling?.status === 'PENDING') await applyLocked(tx, { actor: null, requestId: null }, sibling, 'expire', { reason: 'payment_timeout' });
        }
      }
      return claimed;
    });
    if (!id) break;
    cancelled.push(id);
  }
  return cancelled;
}

/**
 * Finishes payment attempts whose process died after (or while) calling the gateway: asks the gateway what became
 * of each charge and applies it, so that no charge is kept for an order the sweeper would cancel. A charge that
 * went through confirms its orders (or is refunded, for orders cancelled meanwhile); a declined one cancels them;
 * one the gateway has not seen for an hour is dropped, leaving the orders to pay again or to expire. A gateway that cannot answer
 * leaves the attempt, and so its orders, as they are until the next sweep.
 */
export async function reconcileStaleAttempts(em: EntityManager, gateway: PaymentGateway, options: { lockTimeoutMs: number; limit?: number }): Promise<string[]> {
  const reconciled: string[] = [];
  for (const attempt of await staleAttempts(em.fork(), options.limit ?? 20)) {
    const result = await gateway.retrieve(attempt.id);
    if (!result || result.outcome === 'invalid_token') {
      // A gateway's search may lag behind its charges (Stripe's by up to an hour in an outage): an attempt is
      // only taken for never charged once it is older than that.
      await em.fork().nativeDelete(PaymentAttempt, { id: attempt.id, status: 'pending', updatedAt: { $lt: new Date(Date.now() - UNSEEN_CHARGE_MS) } });
    } else {
      await settleAttempt({ em, lockTimeoutMs: options.lockTimeoutMs, actor: null, requestId: null }, attempt, result);
    }
    reconciled.push(attempt.id);
  }
  return reconciled;
}

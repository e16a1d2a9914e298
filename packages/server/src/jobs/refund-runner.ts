import type { EntityManager } from '@mikro-orm/postgresql';
import { claimDueRefund, markRefundAttemptFailed, markRefundSucceeded } from '@frookoon/db';
import type { PaymentGateway } from '../domain/payments/payment-gateway';
import type { Logger } from '../logger';

export interface RefundRunOptions {
  /** Gateway calls per refund before it is marked `failed` for an admin to look at. */
  maxAttempts: number;
  /** First wait before a failed refund is tried again; doubled for each attempt made. */
  retryBaseMs: number;
  /** How long a claimed refund is left to its job before another may take it over. */
  leaseMs?: number;
  /** Most refunds carried out in one run. */
  limit?: number;
}

/**
 * Carries out requested refunds, after the commit that requested them. Each is claimed (and leased) in its own
 * statement, so no lock is held while the gateway is called; the gateway's idempotency key is the refund id, so
 * a refund whose job died after the call, or whose answer was lost, is paid back once when taken again.
 * Returns the refunds that went through.
 */
export async function runRefunds(em: EntityManager, gateway: PaymentGateway, log: Logger, options: RefundRunOptions): Promise<string[]> {
  const done: string[] = [];
  for (let i = 0; i < (options.limit ?? 50); i++) {
    const refund = await claimDueRefund(em, options.leaseMs ?? 60_000);
    if (!refund) break;
    try {
      const { reference } = await gateway.refund({
        refundId: refund.id, paymentReference: refund.paymentReference, amountCents: refund.amountCents, currency: refund.currency,
      });
      await markRefundSucceeded(em, refund.id, reference);
      done.push(refund.id);
    } catch (err) {
      const giveUp = refund.attempts >= options.maxAttempts;
      const retryAt = giveUp ? null : new Date(Date.now() + options.retryBaseMs * 2 ** (refund.attempts - 1));
      await markRefundAttemptFailed(em, refund.id, err instanceof Error ? err.message : String(err), retryAt);
      log.warn({ err, refund_id: refund.id, order_id: refund.order, attempts: refund.attempts, gave_up: giveUp }, giveUp ? 'refund failed for good' : 'refund failed; will retry');
    }
  }
  return done;
}

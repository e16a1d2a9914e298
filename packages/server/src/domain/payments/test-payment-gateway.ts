import { randomBytes } from 'node:crypto';
import type { ChargeRequest, ChargeResult, PaymentGateway } from './payment-gateway';

const APPROVED = new Set(['tok_visa', 'tok_mastercard', 'tok_amex']);

/**
 * The built-in gateway, following card-test-token conventions: `tok_visa` (and other brand tokens) succeed,
 * `tok_chargeDeclined…` tokens decline, anything else is an invalid card. Remembers what it charged.
 */
export class TestPaymentGateway implements PaymentGateway {
  readonly charges: ChargeRequest[] = [];
  readonly refunds: string[] = [];
  private readonly byAttempt = new Map<string, ChargeResult>();

  constructor(private readonly delayMs = 0) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const previous = this.byAttempt.get(request.attemptId);
    if (previous) return previous;
    let result: ChargeResult;
    if (APPROVED.has(request.paymentToken)) {
      this.charges.push(request);
      result = { ok: true, reference: `pay_test_${randomBytes(8).toString('hex')}` };
    } else if (request.paymentToken.startsWith('tok_chargeDeclined')) {
      result = { ok: false, reason: 'card_declined' };
    } else {
      result = { ok: false, reason: 'invalid_payment_token' };
    }
    this.byAttempt.set(request.attemptId, result);
    return result;
  }

  async refund(reference: string): Promise<void> {
    this.refunds.push(reference);
  }
}

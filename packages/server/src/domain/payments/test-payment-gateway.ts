import { randomUUID } from 'node:crypto';
import type { ChargeRequest, ChargeResult, PaymentGateway, RefundRequest } from './payment-gateway';

const APPROVED = new Set(['tok_visa', 'tok_mastercard', 'tok_amex', 'tok_refundFails']);

/**
 * What the gateway remembers is bounded: a long-running server on the test gateway (a demo, a benchmark) keeps the
 * outcomes of the latest charges and refunds, enough to answer retries and the sweeper's questions about recent
 * attempts, and a shorter list of the requests themselves, for a test or a demo to look at.
 */
const REMEMBERED = 100_000;
const LISTED = 10_000;

/** 16 hex digits from the last two groups of a random UUID (62 random bits, drawn from a buffer Node refills in bulk). */
const randomHex = (): string => {
  const uuid = randomUUID();
  return uuid.slice(19, 23) + uuid.slice(24);
};

/**
 * The latest REMEMBERED / 2 to REMEMBERED entries: once the newer of two maps is full, the older one is dropped whole.
 * Adding stays constant time, where deleting a map's oldest entry one at a time leaves holes that every later
 * search for the oldest walks past.
 */
class Recent<K, V> {
  private newer = new Map<K, V>();
  private older = new Map<K, V>();

  get(key: K): V | undefined {
    return this.newer.get(key) ?? this.older.get(key);
  }

  set(key: K, value: V): void {
    if (this.newer.size >= REMEMBERED / 2) {
      this.older = this.newer;
      this.newer = new Map();
    }
    this.newer.set(key, value);
  }
}

function record<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > 2 * LISTED) list.splice(0, LISTED);
}

/**
 * The built-in gateway, following card-test-token conventions: `tok_visa` (and other brand tokens) succeed,
 * `tok_chargeDeclined…` tokens decline, `tok_refundFails` pays but its refunds fail, anything else is an
 * invalid token. Remembers what it charged and refunded, each under its idempotency key.
 */
export class TestPaymentGateway implements PaymentGateway {
  readonly charges: ChargeRequest[] = [];
  readonly refunds: RefundRequest[] = [];
  private readonly byAttempt = new Recent<string, ChargeResult>();
  private readonly byReference = new Recent<string, { token: string; amountCents: number; refundedCents: number }>();
  private readonly byRefund = new Recent<string, { reference: string }>();

  constructor(private readonly delayMs = 0) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const previous = this.byAttempt.get(request.attemptId);
    if (previous) return previous;
    let result: ChargeResult;
    if (APPROVED.has(request.paymentToken)) {
      record(this.charges, request);
      const reference = `pay_test_${randomHex()}`;
      this.byReference.set(reference, { token: request.paymentToken, amountCents: request.amountCents, refundedCents: 0 });
      result = { outcome: 'succeeded', reference };
    } else if (request.paymentToken.startsWith('tok_chargeDeclined')) {
      result = { outcome: 'declined', reason: 'card_declined' };
    } else {
      // Nothing was attempted: not remembered, so the same attempt may go on with a valid token.
      return { outcome: 'invalid_token', reason: 'unknown_payment_token' };
    }
    this.byAttempt.set(request.attemptId, result);
    return result;
  }

  async refund(request: RefundRequest): Promise<{ reference: string }> {
    const previous = this.byRefund.get(request.refundId);
    if (previous) return previous;
    const charge = this.byReference.get(request.paymentReference);
    if (!charge) throw new Error(`No such charge: ${request.paymentReference}`);
    if (charge.token === 'tok_refundFails') throw new Error('The test gateway refuses refunds of charges made with tok_refundFails');
    if (charge.refundedCents + request.amountCents > charge.amountCents) throw new Error('Refunds would exceed the charge');
    charge.refundedCents += request.amountCents;
    record(this.refunds, request);
    const result = { reference: `re_test_${randomHex()}` };
    this.byRefund.set(request.refundId, result);
    return result;
  }

  async retrieve(attemptId: string): Promise<ChargeResult | null> {
    return this.byAttempt.get(attemptId) ?? null;
  }
}

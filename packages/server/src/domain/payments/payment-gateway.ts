export interface ChargeRequest {
  /** Our payment attempt id: the gateway's idempotency key, so a retried call never charges twice. */
  attemptId: string;
  /** Integer minor units of `currency`. */
  amountCents: number;
  /** ISO 4217, upper case (`INR`). */
  currency: string;
  paymentToken: string;
  /** What the charge pays for (`orderId` or `checkoutId`), kept with the charge at the gateway. */
  metadata: Record<string, string>;
}

/**
 * - `succeeded`: the money is taken; `reference` identifies the charge for refunds.
 * - `declined`: a real card refusal; the order is cancelled.
 * - `invalid_token`: the token is unknown or malformed; nothing happened and the order may be paid again.
 */
export type ChargeResult =
  | { outcome: 'succeeded'; reference: string }
  | { outcome: 'declined'; reason: string }
  | { outcome: 'invalid_token'; reason: string };

export interface RefundRequest {
  /** Our refund id: the gateway's idempotency key, so a retried refund never pays back twice. */
  refundId: string;
  /** The `reference` of the charge being refunded. */
  paymentReference: string;
  /** Part or all of the charge, in minor units. */
  amountCents: number;
  currency: string;
}

/**
 * A card processor. Called with no database lock held. Every call is idempotent under its key (attempt id or
 * refund id), so a call that failed or whose answer was lost may be made again. `refund` throws when the
 * refund did not go through (or its outcome is unknown); the caller retries it.
 */
export interface PaymentGateway {
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<{ reference: string }>;
  /** What became of the charge made under `attemptId`; null when the gateway never saw one. */
  retrieve(attemptId: string): Promise<ChargeResult | null>;
}

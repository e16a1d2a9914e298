export interface ChargeRequest {
  /** Our payment attempt id: the gateway's idempotency key, so a retried call never charges twice. */
  attemptId: string;
  orderId: string;
  amountCents: number;
  currency: string;
  paymentToken: string;
}

export type ChargeResult = { ok: true; reference: string } | { ok: false; reason: string };

/** A card processor. Called with no database lock held. */
export interface PaymentGateway {
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(reference: string): Promise<void>;
}

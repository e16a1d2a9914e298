import Stripe from 'stripe';
import type { ChargeRequest, ChargeResult, PaymentGateway, RefundRequest } from './payment-gateway';

/** The PaymentIntent metadata key that names our payment attempt. */
const ATTEMPT_METADATA_KEY = 'attempt_id';

export interface StripeGatewayOptions {
  secretKey: string;
  /** Where the Stripe API is served (scheme, host and port); api.stripe.com when absent. */
  apiBase?: URL | undefined;
  /** Retries of a request lost on the network or answered 409/5xx, each under the same idempotency key; the client's default when absent. */
  maxNetworkRetries?: number | undefined;
}

/**
 * Card payments through Stripe PaymentIntents, created and confirmed in one server-side call whose idempotency key
 * is the attempt id, so a retried charge is answered with the first one's result instead of charging again. The
 * attempt id is kept in the PaymentIntent's metadata too: that is how `retrieve` finds it later.
 */
export class StripePaymentGateway implements PaymentGateway {
  private readonly stripe: Stripe;

  constructor(options: StripeGatewayOptions) {
    this.stripe = new Stripe(options.secretKey, {
      ...(options.maxNetworkRetries !== undefined && { maxNetworkRetries: options.maxNetworkRetries }),
      ...(options.apiBase && endpointOf(options.apiBase)),
    });
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.paymentIntents.create(
        {
          amount: request.amountCents,
          currency: request.currency.toLowerCase(),
          payment_method: request.paymentToken,
          confirm: true,
          // No customer is present to follow a redirect or pass a 3-D Secure challenge: redirecting payment methods
          // are left out (so no return_url is needed), and a card that asks for authentication fails the attempt
          // (`authentication_required`) instead of leaving it waiting for an action nobody will take.
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          error_on_requires_action: true,
          metadata: { ...request.metadata, [ATTEMPT_METADATA_KEY]: request.attemptId },
        },
        { idempotencyKey: request.attemptId },
      );
    } catch (err) {
      if (err instanceof Stripe.errors.StripeCardError) return { outcome: 'declined', reason: declineReason(err.code) };
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.param === 'payment_method') {
        return { outcome: 'invalid_token', reason: err.code ?? 'invalid_payment_method' };
      }
      throw err;
    }
    return outcomeOf(intent);
  }

  async refund(request: RefundRequest): Promise<{ reference: string }> {
    // A refund is in the charge's own currency: Stripe takes no currency for it.
    const refund = await this.stripe.refunds.create(
      { payment_intent: request.paymentReference, amount: request.amountCents },
      { idempotencyKey: request.refundId },
    );
    if (refund.status === 'failed' || refund.status === 'canceled') {
      throw new Error(`Stripe refund ${refund.id} of ${request.paymentReference} is ${refund.status}${refund.failure_reason ? ` (${refund.failure_reason})` : ''}`);
    }
    return { reference: refund.id };
  }

  /**
   * Search is the one Stripe API that finds a PaymentIntent by metadata (Stripe chooses PaymentIntent ids, and the
   * list API filters by date and customer only). It is eventually consistent, normally within a minute, so a null
   * for an attempt made moments ago may only mean "not indexed yet"; a charge made again under the same attempt id
   * within Stripe's 24-hour idempotency window is still answered by the first one, never charged twice. Stripe
   * offers no search to accounts registered in India: there this call fails and throws.
   */
  async retrieve(attemptId: string): Promise<ChargeResult | null> {
    const found = await this.stripe.paymentIntents.search({
      query: `metadata['${ATTEMPT_METADATA_KEY}']:'${searchString(attemptId)}'`,
      limit: 10,
    });
    // More than one only when the same attempt was charged again after its idempotency key expired: the money taken wins.
    const newestFirst = [...found.data].sort((a, b) => b.created - a.created);
    const intent = newestFirst.find((i) => i.status === 'succeeded') ?? newestFirst[0];
    return intent ? outcomeOf(intent) : null;
  }
}

function endpointOf(base: URL): Pick<Stripe.StripeConfig, 'protocol' | 'host' | 'port'> {
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  return { protocol, host: base.hostname, port: base.port || (protocol === 'http' ? 80 : 443) };
}

/**
 * The error code (`card_declined`, `expired_card`, `authentication_required`…), never the issuer's `decline_code`:
 * the reason reaches the customer, and Stripe asks that codes such as `stolen_card` or `fraudulent` not be shown.
 */
function declineReason(code: string | undefined): string {
  return code ?? 'card_declined';
}

function outcomeOf(intent: Stripe.PaymentIntent): ChargeResult {
  switch (intent.status) {
    case 'succeeded':
      return { outcome: 'succeeded', reference: intent.id };
    case 'requires_payment_method': {
      const error = intent.last_payment_error;
      return error?.type === 'card_error'
        ? { outcome: 'declined', reason: declineReason(error.code) }
        : { outcome: 'invalid_token', reason: error?.code ?? 'requires_payment_method' };
    }
    case 'canceled':
      return { outcome: 'declined', reason: intent.cancellation_reason ?? 'canceled' };
    default:
      // `processing` and the like: the money may still move, so the caller must ask again later.
      throw new Error(`Stripe PaymentIntent ${intent.id} is ${intent.status}: its outcome is not known yet`);
  }
}

/** A value inside single quotes of Stripe's search query language, where a backslash escapes. */
function searchString(value: string): string {
  return value.replace(/[\\']/g, '\\$&');
}

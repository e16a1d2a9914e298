/**
 * The Stripe adapter against a local server that speaks the part of the Stripe API the adapter uses: form-encoded
 * requests, Stripe-shaped JSON answers and errors, idempotent replays. No request ever leaves 127.0.0.1.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { createPaymentGateway } from '../src/domain/payments/payment-gateway-factory';
import type { ChargeRequest } from '../src/domain/payments/payment-gateway';
import { StripePaymentGateway } from '../src/domain/payments/stripe-payment-gateway';
import { TestPaymentGateway } from '../src/domain/payments/test-payment-gateway';

const SECRET_KEY = 'sk_test_local_only';

interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The form body of a POST, or the query string of a GET. */
  params: URLSearchParams;
}

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  body: Json;
}

/** Stripe's test payment methods, as far as these tests need them. */
const SUCCEEDS = new Set(['pm_card_visa', 'pm_card_refundFail']);
const DECLINES = 'pm_card_chargeDeclined';

class FakeStripe {
  readonly requests: SeenRequest[] = [];
  readonly intents = new Map<string, Json & { id: string; amount: number; metadata: Record<string, string> }>();
  readonly refunds: Json[] = [];
  /** Answer the next requests with a 500, as an API outage would. */
  failNext = 0;
  private readonly replays = new Map<string, Answer>();
  private seq = 0;
  private server!: Server;
  url!: URL;

  async start() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const seen = { method: req.method ?? '', path: url.pathname, headers: req.headers, params: req.method === 'GET' ? url.searchParams : new URLSearchParams(body) };
        this.requests.push(seen);
        const answer = this.answer(seen);
        res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Request-Id': `req_${++this.seq}` });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = new URL(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}`);
  }

  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: SeenRequest): Answer {
    if (req.headers.authorization !== `Bearer ${SECRET_KEY}`) return error(401, { type: 'invalid_request_error', message: 'Invalid API Key provided' });
    if (this.failNext > 0) {
      this.failNext--;
      return error(500, { type: 'api_error', message: 'An unknown error occurred' });
    }
    if (req.method === 'GET' && req.path === '/v1/payment_intents/search') return this.search(req.params);
    if (req.method !== 'POST') return error(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${req.path})` });
    // Stripe keeps the answer to a POST under its idempotency key and replays it, errors included.
    const key = req.headers['idempotency-key'];
    const replay = typeof key === 'string' ? this.replays.get(key) : undefined;
    if (replay) return replay;
    const answer =
      req.path === '/v1/payment_intents' ? this.createIntent(req.params)
      : req.path === '/v1/refunds' ? this.createRefund(req.params)
      : error(404, { type: 'invalid_request_error', message: `Unrecognized request URL (POST: ${req.path})` });
    if (typeof key === 'string') this.replays.set(key, answer);
    return answer;
  }

  private createIntent(form: URLSearchParams): Answer {
    const paymentMethod = form.get('payment_method') ?? '';
    if (!SUCCEEDS.has(paymentMethod) && paymentMethod !== DECLINES) {
      return error(400, { type: 'invalid_request_error', code: 'resource_missing', param: 'payment_method', message: `No such PaymentMethod: '${paymentMethod}'` });
    }
    const metadata = Object.fromEntries([...form].flatMap(([k, v]) => (k.startsWith('metadata[') ? [[k.slice(9, -1), v]] : [])));
    const declined = paymentMethod === DECLINES;
    const lastPaymentError = declined ? { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' } : null;
    const intent = {
      id: `pi_local_${++this.seq}`,
      object: 'payment_intent',
      amount: Number(form.get('amount')),
      currency: form.get('currency'),
      created: Math.floor(Date.now() / 1000),
      payment_method: paymentMethod,
      metadata,
      status: declined ? 'requires_payment_method' : 'succeeded',
      last_payment_error: lastPaymentError,
      cancellation_reason: null,
    };
    this.intents.set(intent.id, intent);
    if (declined) return error(402, { ...lastPaymentError, payment_intent: intent });
    return { status: 200, body: intent };
  }

  private createRefund(form: URLSearchParams): Answer {
    const intent = this.intents.get(form.get('payment_intent') ?? '');
    if (!intent) return error(400, { type: 'invalid_request_error', code: 'resource_missing', param: 'payment_intent', message: 'No such payment_intent' });
    const amount = Number(form.get('amount') ?? intent.amount);
    const refunded = this.refunds.filter((r) => r.payment_intent === intent.id && r.status !== 'failed').reduce((sum, r) => sum + Number(r.amount), 0);
    if (refunded + amount > intent.amount) {
      return error(400, {
        type: 'invalid_request_error', code: 'amount_too_large', param: 'amount',
        message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${intent.amount - refunded})`,
      });
    }
    const failed = intent.payment_method === 'pm_card_refundFail';
    const refund = {
      id: `re_local_${++this.seq}`, object: 'refund', amount, currency: intent.currency, payment_intent: intent.id,
      status: failed ? 'failed' : 'succeeded', failure_reason: failed ? 'expired_or_canceled_card' : null,
    };
    this.refunds.push(refund);
    return { status: 200, body: refund };
  }

  /** The one query shape the adapter sends: `metadata['key']:'value'`. */
  private search(params: URLSearchParams): Answer {
    const match = /^metadata\['(\w+)'\]:'((?:[^'\\]|\\.)*)'$/.exec(params.get('query') ?? '');
    if (!match) return error(400, { type: 'invalid_request_error', param: 'query', message: 'Unsupported query' });
    const [, key, quoted] = match as unknown as [string, string, string];
    const value = quoted.replace(/\\(.)/g, '$1');
    const data = [...this.intents.values()].filter((i) => i.metadata[key] === value);
    return { status: 200, body: { object: 'search_result', url: '/v1/payment_intents/search', has_more: false, next_page: null, data } };
  }

  lastRequest(): SeenRequest {
    const last = this.requests.at(-1);
    if (!last) throw new Error('No request reached the local Stripe');
    return last;
  }
}

function error(status: number, body: Json): Answer {
  return { status, body: { error: body } };
}

const stripe = new FakeStripe();
let gateway: StripePaymentGateway;
let seq = 0;

const chargeRequest = (paymentToken: string, over: Partial<ChargeRequest> = {}): ChargeRequest => ({
  attemptId: `attempt-${process.pid}-${++seq}`, amountCents: 123_45, currency: 'INR', paymentToken, metadata: { orderId: `order-${seq}` }, ...over,
});

beforeAll(async () => {
  await stripe.start();
  gateway = new StripePaymentGateway({ secretKey: SECRET_KEY, apiBase: stripe.url, maxNetworkRetries: 0 });
});
afterAll(() => stripe.stop());
beforeEach(() => {
  stripe.failNext = 0;
});

describe('Stripe gateway', () => {
  it('pays with one confirmed PaymentIntent, under the attempt id as idempotency key', async () => {
    const request = chargeRequest('pm_card_visa');
    const result = await gateway.charge(request);

    const sent = stripe.lastRequest();
    expect(result).toEqual({ outcome: 'succeeded', reference: expect.stringMatching(/^pi_local_/) });
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/payment_intents' });
    expect(sent.headers['idempotency-key']).toBe(request.attemptId);
    expect(sent.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(sent.params)).toMatchObject({
      amount: '12345',
      currency: 'inr',
      payment_method: 'pm_card_visa',
      confirm: 'true',
      'automatic_payment_methods[enabled]': 'true',
      'automatic_payment_methods[allow_redirects]': 'never',
      error_on_requires_action: 'true',
      'metadata[attempt_id]': request.attemptId,
      'metadata[orderId]': request.metadata.orderId,
    });
  });

  it('charges once when the same attempt is paid again: Stripe replays the first answer', async () => {
    const request = chargeRequest('pm_card_visa');
    const first = await gateway.charge(request);
    const again = await gateway.charge(request);
    expect(again).toEqual(first);
    expect([...stripe.intents.values()].filter((i) => i.metadata.attempt_id === request.attemptId)).toHaveLength(1);
  });

  it('tells a card decline (402 card_error) as declined, by its error code', async () => {
    const result = await gateway.charge(chargeRequest(DECLINES));
    expect(result).toEqual({ outcome: 'declined', reason: 'card_declined' });
    expect(stripe.lastRequest().params.get('payment_method')).toBe(DECLINES);
  });

  it('tells an unknown payment method (resource_missing on payment_method) as an invalid token', async () => {
    const result = await gateway.charge(chargeRequest('pm_does_not_exist'));
    expect(result).toEqual({ outcome: 'invalid_token', reason: 'resource_missing' });
  });

  it('throws on a 500, so the caller retries or reconciles', async () => {
    stripe.failNext = 1;
    await expect(gateway.charge(chargeRequest('pm_card_visa'))).rejects.toThrow(/unknown error/);
  });

  it('retries a 500 under the same idempotency key when retries are allowed', async () => {
    const retrying = new StripePaymentGateway({ secretKey: SECRET_KEY, apiBase: stripe.url, maxNetworkRetries: 1 });
    const request = chargeRequest('pm_card_visa');
    stripe.failNext = 1;
    const before = stripe.requests.length;
    expect(await retrying.charge(request)).toMatchObject({ outcome: 'succeeded' });
    const tries = stripe.requests.slice(before);
    expect(tries.map((r) => r.headers['idempotency-key'])).toEqual([request.attemptId, request.attemptId]);
  });

  it('retrieves what became of an attempt through its metadata, and null for an attempt Stripe never saw', async () => {
    const paid = chargeRequest('pm_card_visa', { attemptId: `it's-${process.pid}` });
    const charged = await gateway.charge(paid);
    const declined = chargeRequest(DECLINES);
    await gateway.charge(declined);

    expect(await gateway.retrieve(paid.attemptId)).toEqual(charged);
    const search = stripe.lastRequest();
    expect(search).toMatchObject({ method: 'GET', path: '/v1/payment_intents/search' });
    expect(search.params.get('query')).toBe(`metadata['attempt_id']:'it\\'s-${process.pid}'`);
    expect(search.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);

    expect(await gateway.retrieve(declined.attemptId)).toEqual({ outcome: 'declined', reason: 'card_declined' });
    expect(await gateway.retrieve('attempt-never-made')).toBeNull();
  });

  it('refunds part of a charge twice, each refund under its own idempotency key', async () => {
    const charged = await gateway.charge(chargeRequest('pm_card_visa', { amountCents: 10_000 }));
    if (charged.outcome !== 'succeeded') throw new Error('the charge should have succeeded');
    const refund = (refundId: string, amountCents: number) => gateway.refund({ refundId, paymentReference: charged.reference, amountCents, currency: 'INR' });

    const first = await refund(`refund-a-${seq}`, 3_000);
    const firstSent = stripe.lastRequest();
    const second = await refund(`refund-b-${seq}`, 7_000);
    const secondSent = stripe.lastRequest();

    expect(first.reference).toMatch(/^re_local_/);
    expect(second.reference).not.toBe(first.reference);
    for (const [sent, key, amount] of [[firstSent, `refund-a-${seq}`, '3000'], [secondSent, `refund-b-${seq}`, '7000']] as const) {
      expect(sent).toMatchObject({ method: 'POST', path: '/v1/refunds' });
      expect(sent.headers['idempotency-key']).toBe(key);
      expect(sent.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
      expect(Object.fromEntries(sent.params)).toEqual({ payment_intent: charged.reference, amount });
    }
    // A refund made again under its key is the same refund, not a third one.
    expect(await refund(`refund-a-${seq}`, 3_000)).toEqual(first);
    expect(stripe.refunds.filter((r) => r.payment_intent === charged.reference)).toHaveLength(2);
  });

  it('throws when Stripe refuses a refund, and when a refund comes back failed', async () => {
    const charged = await gateway.charge(chargeRequest('pm_card_visa', { amountCents: 500 }));
    if (charged.outcome !== 'succeeded') throw new Error('the charge should have succeeded');
    await expect(gateway.refund({ refundId: `too-much-${seq}`, paymentReference: charged.reference, amountCents: 501, currency: 'INR' }))
      .rejects.toThrow(/greater than unrefunded amount/);

    const refundFails = await gateway.charge(chargeRequest('pm_card_refundFail'));
    if (refundFails.outcome !== 'succeeded') throw new Error('the charge should have succeeded');
    await expect(gateway.refund({ refundId: `fails-${seq}`, paymentReference: refundFails.reference, amountCents: 100, currency: 'INR' }))
      .rejects.toThrow(/is failed \(expired_or_canceled_card\)/);
  });

  it('throws when a refund is answered with a 500', async () => {
    stripe.failNext = 1;
    await expect(gateway.refund({ refundId: `outage-${seq}`, paymentReference: 'pi_local_1', amountCents: 100, currency: 'INR' })).rejects.toThrow(/unknown error/);
  });
});

describe('payment gateway configuration', () => {
  it('is the test gateway by default, outside production', () => {
    const config = loadConfig({});
    expect(config.paymentGateway).toEqual({ kind: 'test' });
    expect(createPaymentGateway(config.paymentGateway)).toBeInstanceOf(TestPaymentGateway);
  });

  it('refuses production on a test gateway nobody asked for', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PAYMENT_GATEWAY=test/);
    expect(loadConfig({ NODE_ENV: 'production', PAYMENT_GATEWAY: 'test' }).paymentGateway).toEqual({ kind: 'test' });
  });

  it('builds the Stripe gateway from PAYMENT_GATEWAY=stripe, which needs a secret key', () => {
    expect(() => loadConfig({ PAYMENT_GATEWAY: 'stripe' })).toThrow(/STRIPE_SECRET_KEY is required/);
    const config = loadConfig({ NODE_ENV: 'production', PAYMENT_GATEWAY: 'stripe', STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_API_BASE: stripe.url.href });
    expect(config.paymentGateway).toEqual({ kind: 'stripe', secretKey: SECRET_KEY, apiBase: stripe.url });
    expect(createPaymentGateway(config.paymentGateway)).toBeInstanceOf(StripePaymentGateway);
  });

  it('takes only an http(s) scheme, host and port as STRIPE_API_BASE', () => {
    const stripeWith = (base: string) => () => loadConfig({ PAYMENT_GATEWAY: 'stripe', STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_API_BASE: base });
    expect(stripeWith('ftp://127.0.0.1:21')).toThrow(ConfigError);
    expect(stripeWith('http://127.0.0.1:12111/v1')).toThrow(/scheme, host and port only/);
  });

  it('talks to the configured host, never to api.stripe.com', async () => {
    const configured = createPaymentGateway(
      loadConfig({ PAYMENT_GATEWAY: 'stripe', STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_API_BASE: stripe.url.href }).paymentGateway,
    );
    const before = stripe.requests.length;
    expect(await configured.retrieve('attempt-never-made')).toBeNull();
    expect(stripe.requests.length).toBe(before + 1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemDetails } from '@frookoon/sdk';
import type { ChargeRequest } from '../src/domain/payments/payment-gateway';
import { TestPaymentGateway } from '../src/domain/payments/test-payment-gateway';
import { runRefunds } from '../src/jobs/refund-runner';
import { createLogger } from '../src/logger';
import { reconcileStaleAttempts, sweepExpiredOrders } from '../src/jobs/expiry-sweeper';
import { bearer, jsonPost, startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { invariantViolations, makeBuyer, makeProduct, makeVendor, stockOf } from '../../../test/support/fixtures';
import { act, deliveryOtp, orderIn, placeOrder, statusOf } from '../../../test/support/lifecycle';

/** The test gateway, whose next charge can be held once it is reached, to act while the charge is in flight. */
class HeldGateway extends TestPaymentGateway {
  private held: { reached: () => void; release: Promise<void> } | null = null;

  /** Resolves when the next charge is reached; that charge goes on once `release` resolves. */
  holdNext(release: Promise<void>): Promise<void> {
    return new Promise((reached) => {
      this.held = { reached, release };
    });
  }

  override async charge(request: ChargeRequest) {
    const held = this.held;
    this.held = null;
    if (held) {
      held.reached();
      await held.release;
    }
    return super.charge(request);
  }
}

let app: TestApp;
let gateway: HeldGateway;
let vendor: TestUser;
let admin: TestUser;

beforeAll(async () => {
  gateway = new HeldGateway();
  // Jobs are run by the tests themselves, so that every step is seen.
  app = await startTestApp({ REFUND_POLL_MS: '3600000' }, undefined, { paymentGateway: gateway });
  ({ vendor } = await makeVendor(app));
  admin = await app.makeUser('admin');
});
afterAll(() => app.close());

interface OrderView { id: string; status: string; totalCents: number; paidCents: number; refundedCents: number; refundStatus: string; checkoutId: string | null }
interface CheckoutView { id: string; status: string; totalCents: number; orders: OrderView[] }

const json = async <T>(res: Response | Promise<Response>): Promise<T> => (await (await res).json()) as T;
const jobLog = createLogger('silent');
const refunds = (em = app.orm.em.fork()) => runRefunds(em, gateway, jobLog, { maxAttempts: 3, retryBaseMs: 3_600_000 });
const refundRows = async (orderId: string) =>
  app.orm.em.fork().execute<{ status: string; amount_cents: number; attempts: number; last_error: string | null }[]>('select * from refund where order_id = ?', [orderId]);
const expectInvariants = async () => expect(await invariantViolations(app.orm.em.fork())).toEqual([]);
/** A pending payment attempt last touched `age` ago, as a process that died mid-payment leaves it. */
const insertStaleAttempt = (id: string, orderId: string, age: string) => app.orm.em.fork().execute(
  `insert into payment_attempt (id, order_id, order_ids, status, amount_cents, currency, created_at, updated_at)
   select ?, id, jsonb_build_array(id), 'pending', total_cents, currency, now() - ?::interval, now() - ?::interval from customer_order where id = ?`,
  [id, age, age, orderId],
);
const getOrder = (token: string, id: string) => json<OrderView>(app.http(`/api/v1/orders/${id}`, { headers: bearer(token) }));

describe('refunds', () => {
  it.each([
    ['CONFIRMED', 'customer'],
    ['PACKING', 'vendor'],
    ['CONFIRMED', 'admin'],
  ] as const)('refunds a paid order cancelled from %s by its %s, once the job runs', async (status, who) => {
    const order = await orderIn(app, vendor, status);
    const token = who === 'customer' ? order.buyer.token : who === 'vendor' ? vendor.token : admin.token;
    const cancelled = await json<OrderView>(act(app, token, order.id, 'cancel', { reason: 'cannot fulfil' }));
    expect(cancelled).toMatchObject({ status: 'CANCELLED', paidCents: 200, refundedCents: 0, refundStatus: 'requested' });

    expect(await refunds()).toHaveLength(1);
    expect(await getOrder(order.buyer.token, order.id)).toMatchObject({ paidCents: 200, refundedCents: 200, refundStatus: 'succeeded' });
    const reference = (await app.orm.em.fork().execute<{ payment_reference: string }[]>('select payment_reference from customer_order where id = ?', [order.id]))[0]!.payment_reference;
    expect(gateway.refunds.filter((r) => r.paymentReference === reference)).toEqual([expect.objectContaining({ amountCents: 200 })]);
    expect(await refunds()).toEqual([]);
    await expectInvariants();
  });

  it('never refunds an order that was not paid', async () => {
    const order = await orderIn(app, vendor, 'CANCELLED');
    expect(await getOrder(order.buyer.token, order.id)).toMatchObject({ paidCents: 0, refundStatus: 'none' });
    expect(await refundRows(order.id)).toEqual([]);
  });

  it('refunds once under three concurrent cancels', async () => {
    const order = await orderIn(app, vendor, 'CONFIRMED');
    const answers = await Promise.all([
      act(app, order.buyer.token, order.id, 'cancel'),
      act(app, vendor.token, order.id, 'cancel', { reason: 'out of mangoes' }),
      act(app, admin.token, order.id, 'cancel', { reason: 'support' }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    await refunds();
    expect(await refundRows(order.id)).toEqual([expect.objectContaining({ status: 'succeeded', amount_cents: 200 })]);
    await expectInvariants();
  });

  it('retries a refund the gateway refuses, then marks it failed for an admin to see', async () => {
    const order = await placeOrder(app, vendor.vendorId!);
    expect((await act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_refundFails' })).status).toBe(200);
    await act(app, order.buyer.token, order.id, 'cancel');
    for (let run = 1; run <= 3; run++) {
      // The backoff has passed.
      await app.orm.em.fork().execute('update refund set next_attempt_at = now() where order_id = ?', [order.id]);
      expect(await refunds()).toEqual([]);
      expect((await refundRows(order.id))[0]).toMatchObject({ attempts: run, status: run < 3 ? 'requested' : 'failed', last_error: expect.stringContaining('refuses refunds') });
    }
    expect(await refunds()).toEqual([]);
    expect(await getOrder(admin.token, order.id)).toMatchObject({ refundStatus: 'failed', refundedCents: 0 });
  });

  it('finishes a refund whose job died after claiming it, under the same idempotency key', async () => {
    const order = await orderIn(app, vendor, 'CONFIRMED');
    await act(app, order.buyer.token, order.id, 'cancel');
    // A job claimed it and died before the gateway answered: the lease runs out and the next run pays it back.
    await app.orm.em.fork().execute("update refund set attempts = 1, next_attempt_at = now() - interval '1 second' where order_id = ?", [order.id]);
    const gatewayCalls = gateway.refunds.length;
    expect(await refunds()).toHaveLength(1);
    expect(gateway.refunds.length).toBe(gatewayCalls + 1);
    expect((await refundRows(order.id))[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
  });
});

describe('payments', () => {
  it('answers an unknown payment token with VALIDATION_ERROR and leaves the order payable', async () => {
    const order = await placeOrder(app, vendor.vendorId!);
    const res = await act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_foo' });
    expect(res.status).toBe(400);
    expect(await json<ProblemDetails>(res)).toMatchObject({ error_code: 'VALIDATION_ERROR', errors: [{ field: 'paymentToken' }] });
    expect(await statusOf(app, order.id)).toBe('PENDING');
    expect(await json<OrderView>(act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' }))).toMatchObject({ status: 'CONFIRMED', paidCents: 200 });
  });

  it('refunds the charge of an order its customer cancelled while the gateway was charging it', async () => {
    const order = await placeOrder(app, vendor.vendorId!);
    let release!: () => void;
    const reached = gateway.holdNext(new Promise((resolve) => (release = resolve)));
    const paying = act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' });
    await reached;
    expect(await json<OrderView>(act(app, order.buyer.token, order.id, 'cancel'))).toMatchObject({ status: 'CANCELLED', paidCents: 0 });
    release();

    const res = await paying;
    expect(res.status).toBe(409);
    expect(await json<ProblemDetails>(res)).toMatchObject({ error_code: 'INVALID_STATUS_TRANSITION' });
    expect(await getOrder(order.buyer.token, order.id)).toMatchObject({ status: 'CANCELLED', paidCents: 200, refundStatus: 'requested' });
    const history = await app.orm.em.fork().execute<{ new_status: string }[]>('select new_status from order_status_history where order_id = ? order by changed_at', [order.id]);
    expect(history.map((h) => h.new_status)).toEqual(['PENDING', 'CANCELLED']);
    await refunds();
    expect(await getOrder(order.buyer.token, order.id)).toMatchObject({ refundedCents: 200, refundStatus: 'succeeded' });
    await expectInvariants();
  });

  it('confirms an order whose charge went through but whose confirmation never committed, instead of expiring it', async () => {
    const order = await placeOrder(app, vendor.vendorId!);
    const attemptId = '01890000-0000-7000-8000-00000000c0de';
    // The process recorded the attempt, the gateway charged, and the process died before the second transaction.
    await insertStaleAttempt(attemptId, order.id, '10 minutes');
    await gateway.charge({ attemptId, amountCents: 200, currency: 'INR', paymentToken: 'tok_visa', metadata: { orderId: order.id } });
    expect(await sweepExpiredOrders(app.orm.em.fork(), { paymentTimeoutMs: 0, lockTimeoutMs: 2000 })).not.toContain(order.id);

    expect(await reconcileStaleAttempts(app.orm.em.fork(), gateway, { lockTimeoutMs: 2000 })).toContain(attemptId);
    expect(await getOrder(order.buyer.token, order.id)).toMatchObject({ status: 'CONFIRMED', paidCents: 200 });
    expect(await sweepExpiredOrders(app.orm.em.fork(), { paymentTimeoutMs: 0, lockTimeoutMs: 2000 })).not.toContain(order.id);
    await expectInvariants();
  });

  it('refunds a charge found for an order that was cancelled while its confirmation was lost', async () => {
    const order = await placeOrder(app, vendor.vendorId!);
    const attemptId = '01890000-0000-7000-8000-00000000beef';
    await insertStaleAttempt(attemptId, order.id, '10 minutes');
    await gateway.charge({ attemptId, amountCents: 200, currency: 'INR', paymentToken: 'tok_visa', metadata: { orderId: order.id } });
    expect((await act(app, order.buyer.token, order.id, 'cancel')).status).toBe(200);

    await reconcileStaleAttempts(app.orm.em.fork(), gateway, { lockTimeoutMs: 2000 });
    expect(await getOrder(order.buyer.token, order.id)).toMatchObject({ status: 'CANCELLED', paidCents: 200, refundStatus: 'requested' });
    await refunds();
    expect(await getOrder(order.buyer.token, order.id)).toMatchObject({ refundedCents: 200, refundStatus: 'succeeded' });
    await expectInvariants();
  });

  it('drops a stale attempt the gateway has not seen for an hour, so the order expires as unpaid', async () => {
    const order = await placeOrder(app, vendor.vendorId!);
    await insertStaleAttempt('01890000-0000-7000-8000-00000000dead', order.id, '10 minutes');
    // Not yet: the gateway's search may still catch up with a charge made ten minutes ago.
    await reconcileStaleAttempts(app.orm.em.fork(), gateway, { lockTimeoutMs: 2000 });
    expect(await sweepExpiredOrders(app.orm.em.fork(), { paymentTimeoutMs: 0, lockTimeoutMs: 2000 })).not.toContain(order.id);
    await app.orm.em.fork().execute("update payment_attempt set updated_at = now() - interval '2 hours' where order_id = ?", [order.id]);
    await reconcileStaleAttempts(app.orm.em.fork(), gateway, { lockTimeoutMs: 2000 });
    expect(await sweepExpiredOrders(app.orm.em.fork(), { paymentTimeoutMs: 0, lockTimeoutMs: 2000 })).toContain(order.id);
    expect(await getOrder(order.buyer.token, order.id)).toMatchObject({ status: 'CANCELLED', paidCents: 0, refundStatus: 'none' });
  });
});

describe('vendor payouts', () => {
  it('credits the vendor on delivery, for the vendor itself and admins only', async () => {
    const { vendor: own } = await makeVendor(app, 'Payout Orchard');
    const { vendor: other } = await makeVendor(app, 'Other Orchard');
    const before = await json<{ balanceCents: number }>(app.http('/api/v1/payouts/balance', { headers: bearer(own.token) }));
    expect(before).toMatchObject({ vendorId: own.vendorId, balanceCents: 0 });

    const order = await orderIn(app, own, 'SHIPPED');
    await act(app, own.token, order.id, 'deliver', { otp: (await deliveryOtp(app, order.id)) ?? undefined });
    expect(await json(app.http('/api/v1/payouts/balance', { headers: bearer(own.token) }))).toEqual({ vendorId: own.vendorId, balanceCents: 200, currency: 'INR' });
    expect(await json(app.http(`/api/v1/payouts/balance?vendorId=${own.vendorId}`, { headers: bearer(admin.token) }))).toMatchObject({ balanceCents: 200 });
    const ledger = await json<{ items: { kind: string; amountCents: number; orderId: string }[] }>(app.http('/api/v1/payouts/ledger', { headers: bearer(own.token) }));
    expect(ledger.items).toEqual([expect.objectContaining({ kind: 'credit', amountCents: 200, orderId: order.id })]);

    expect((await app.http(`/api/v1/payouts/balance?vendorId=${own.vendorId}`, { headers: bearer(other.token) })).status).toBe(404);
    expect((await app.http('/api/v1/payouts/balance', { headers: bearer(order.buyer.token) })).status).toBe(403);
    expect((await app.http('/api/v1/payouts/balance', { headers: bearer(admin.token) })).status).toBe(400);
    await expectInvariants();
  });
});

describe('checkouts', () => {
  let secondVendor: TestUser;
  beforeAll(async () => {
    ({ vendor: secondVendor } = await makeVendor(app, 'Second Orchard'));
  });

  async function cart(stock = 10) {
    const buyer = await makeBuyer(app);
    const a = await makeProduct(app, vendor.vendorId!, { stock, priceCents: 300 });
    const b = await makeProduct(app, secondVendor.vendorId!, { stock, priceCents: 500 });
    return { buyer, a, b };
  }
  const checkout = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    app.http('/api/v1/checkouts', jsonPost(body, { ...bearer(token), ...headers }));
  const payCheckout = (token: string, id: string, paymentToken: string) => app.http(`/api/v1/checkouts/${id}/pay`, jsonPost({ paymentToken }, bearer(token)));

  it('splits a two-vendor cart into one pending order per vendor, paid with one charge', async () => {
    const { buyer, a, b } = await cart();
    const res = await checkout(buyer.token, { addressId: buyer.addressId, items: [{ productId: a, quantity: 2 }, { productId: b, quantity: 1 }] });
    expect(res.status).toBe(201);
    const created = await json<CheckoutView>(res);
    expect(res.headers.get('location')).toBe(`/api/v1/checkouts/${created.id}`);
    expect(created).toMatchObject({ status: 'PENDING', totalCents: 1100 });
    expect(created.orders.map((o) => o.totalCents).sort()).toEqual([500, 600]);
    expect(created.orders.every((o) => o.checkoutId === created.id && o.status === 'PENDING')).toBe(true);
    expect([await stockOf(app.orm.em.fork(), a), await stockOf(app.orm.em.fork(), b)]).toEqual([8, 9]);

    const alone = await act(app, buyer.token, created.orders[0]!.id, 'pay', { paymentToken: 'tok_visa' });
    expect(await json<ProblemDetails>(alone)).toMatchObject({ error_code: 'VALIDATION_ERROR', detail: expect.stringContaining('checkouts.pay') });

    const paid = await json<CheckoutView>(payCheckout(buyer.token, created.id, 'tok_visa'));
    expect(paid.status).toBe('PAID');
    expect(paid.orders.map((o) => [o.status, o.paidCents]).sort()).toEqual([['CONFIRMED', 500], ['CONFIRMED', 600]]);
    expect(gateway.charges.filter((c) => c.metadata.checkoutId === created.id)).toEqual([expect.objectContaining({ amountCents: 1100 })]);

    // One order cancelled after payment is refunded by itself: part of the charge.
    const cancelled = created.orders.find((o) => o.totalCents === 500)!;
    await act(app, buyer.token, cancelled.id, 'cancel');
    await refunds();
    const after = await json<CheckoutView>(app.http(`/api/v1/checkouts/${created.id}`, { headers: bearer(buyer.token) }));
    expect(after.orders.map((o) => [o.status, o.refundedCents]).sort()).toEqual([['CANCELLED', 500], ['CONFIRMED', 0]]);
    expect(gateway.refunds.filter((r) => r.amountCents === 500 && r.paymentReference === gateway.refunds.at(-1)!.paymentReference)).toHaveLength(1);
    expect((await app.http(`/api/v1/checkouts/${created.id}`, { headers: bearer(vendor.token) })).status).toBe(404);
    await expectInvariants();
  });

  it('reserves all of a cart or nothing, reporting every short line by its cart index', async () => {
    const { buyer, a, b } = await cart(1);
    const res = await checkout(buyer.token, { addressId: buyer.addressId, items: [{ productId: a, quantity: 2 }, { productId: b, quantity: 1 }, { productId: b, quantity: 1 }] });
    expect(res.status).toBe(400);
    const problem = await json<ProblemDetails>(res);
    expect(problem.error_code).toBe('INSUFFICIENT_STOCK');
    expect(problem.errors.map((e) => e.field)).toEqual(['items.0.quantity', 'items.1.quantity']);
    expect([await stockOf(app.orm.em.fork(), a), await stockOf(app.orm.em.fork(), b)]).toEqual([1, 1]);
    const left = await app.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from checkout where customer_id = ?', [buyer.id]);
    expect(left[0]!.n).toBe(0);
  });

  it('cancels every order of a declined checkout, and leaves out of the charge an order cancelled before paying', async () => {
    const { buyer, a, b } = await cart();
    const declined = await json<CheckoutView>(checkout(buyer.token, { addressId: buyer.addressId, items: [{ productId: a, quantity: 1 }, { productId: b, quantity: 1 }] }));
    const res = await payCheckout(buyer.token, declined.id, 'tok_chargeDeclined');
    expect(await json<ProblemDetails>(res)).toMatchObject({ error_code: 'PAYMENT_FAILED', status: 402 });
    const after = await json<CheckoutView>(app.http(`/api/v1/checkouts/${declined.id}`, { headers: bearer(buyer.token) }));
    expect(after.status).toBe('CANCELLED');
    expect(after.orders.map((o) => o.status)).toEqual(['CANCELLED', 'CANCELLED']);

    const partial = await json<CheckoutView>(checkout(buyer.token, { addressId: buyer.addressId, items: [{ productId: a, quantity: 1 }, { productId: b, quantity: 1 }] }));
    await act(app, buyer.token, partial.orders[0]!.id, 'cancel');
    const paid = await json<CheckoutView>(payCheckout(buyer.token, partial.id, 'tok_visa'));
    expect(gateway.charges.filter((c) => c.metadata.checkoutId === partial.id)).toEqual([expect.objectContaining({ amountCents: partial.orders[1]!.totalCents })]);
    expect(paid.orders.map((o) => o.status)).toEqual(['CANCELLED', 'CONFIRMED']);
    await expectInvariants();
  });

  it('expires the unpaid orders of a checkout together', async () => {
    const { buyer, a, b } = await cart();
    const created = await json<CheckoutView>(checkout(buyer.token, { addressId: buyer.addressId, items: [{ productId: a, quantity: 1 }, { productId: b, quantity: 1 }] }));
    const swept = await sweepExpiredOrders(app.orm.em.fork(), { paymentTimeoutMs: 0, lockTimeoutMs: 2000 });
    expect(swept.filter((id) => created.orders.some((o) => o.id === id))).toHaveLength(1);
    expect(await Promise.all(created.orders.map((o) => statusOf(app, o.id)))).toEqual(['CANCELLED', 'CANCELLED']);
    expect([await stockOf(app.orm.em.fork(), a), await stockOf(app.orm.em.fork(), b)]).toEqual([10, 10]);
  });

  it('answers a replay with the same Idempotency-Key with the first checkout, reserving nothing twice', async () => {
    const { buyer, a, b } = await cart();
    const body = { addressId: buyer.addressId, items: [{ productId: a, quantity: 1 }, { productId: b, quantity: 2 }] };
    const first = await json<CheckoutView>(checkout(buyer.token, body, { 'idempotency-key': 'cart-1' }));
    const again = await checkout(buyer.token, body, { 'idempotency-key': 'cart-1' });
    expect(again.status).toBe(201);
    expect((await json<CheckoutView>(again)).id).toBe(first.id);
    expect([await stockOf(app.orm.em.fork(), a), await stockOf(app.orm.em.fork(), b)]).toEqual([9, 8]);
    const other = await checkout(buyer.token, { ...body, items: [{ productId: a, quantity: 1 }] }, { 'idempotency-key': 'cart-1' });
    expect(await json<ProblemDetails>(other)).toMatchObject({ error_code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('never oversells under 200 concurrent two-vendor carts, and each cart is all or nothing', async () => {
    const a = await makeProduct(app, vendor.vendorId!, { stock: 30 });
    const b = await makeProduct(app, secondVendor.vendorId!, { stock: 40 });
    const buyers = await Promise.all(Array.from({ length: 200 }, () => makeBuyer(app)));
    const answers = await Promise.all(buyers.map((buyer, i) => {
      // Half the carts list the products the other way round: one lock order still holds.
      const lines = [{ productId: a, quantity: 1 }, { productId: b, quantity: 1 }];
      return checkout(buyer.token, { addressId: buyer.addressId, items: i % 2 ? lines.reverse() : lines });
    }));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    expect(statuses.filter((s) => s !== 201 && s !== 400)).toEqual([]);
    expect([await stockOf(app.orm.em.fork(), a), await stockOf(app.orm.em.fork(), b)]).toEqual([0, 10]);
    const orders = await app.orm.em.fork().execute<{ n: number }[]>(
      'select count(*)::int as n from customer_order o join order_item i on i.order_id = o.id where i.product_id in (?, ?)', [a, b]);
    expect(orders[0]!.n).toBe(60);
    await expectInvariants();
  }, 120_000);
});

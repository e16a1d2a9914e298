import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProblem, type ProblemDetails } from '@frookoon/sdk';
import { TestPaymentGateway } from '../src/domain/payments/test-payment-gateway';
import { bearer, startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { invariantViolations, makeVendor, stockOf } from '../../../test/support/fixtures';
import { act, deliveryOtp, drainOutbox, orderIn, placeOrder, statusOf } from '../../../test/support/lifecycle';

let app: TestApp;
let gateway: TestPaymentGateway;
let vendorId: string;
let vendor: TestUser;
beforeAll(async () => {
  gateway = new TestPaymentGateway();
  app = await startTestApp({}, undefined, { paymentGateway: gateway });
  ({ vendorId, vendor } = await makeVendor(app));
});
afterAll(async () => {
  expect(await invariantViolations(app.orm.em.fork())).toEqual([]);
  await app.close();
});

const json = async <T>(res: Response | Promise<Response>) => (await (await res).json()) as T;
type Order = { id: string; status: string; paymentReference: string | null; trackingNumber: string | null; carrier: string | null; deliveryOtp: string | null; allowedTransitions: string[] };
type History = { previousStatus: string | null; newStatus: string; changedBy: string | null; reason: string | null; requestId: string | null }[];

describe('the whole happy path over REST', () => {
  it('goes PENDING → CONFIRMED → PACKING → SHIPPED → DELIVERED and leaves its history', async () => {
    const order = await placeOrder(app, vendorId, [{ quantity: 2, name: 'Zesty lime' }, { quantity: 1, name: 'Apricot' }]);
    const paid = await json<Order>(act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' }));
    expect(paid).toMatchObject({ status: 'CONFIRMED', paymentReference: expect.stringMatching(/^pay_test_[0-9a-f]{16}$/) });
    expect(paid.allowedTransitions).toEqual(['cancel']);

    const packing = await json<{ order: Order; picklist: { sku: string; productName: string; quantity: number }[] }>(act(app, vendor.token, order.id, 'packing'));
    expect(packing.order.status).toBe('PACKING');
    expect(packing.picklist.map((l) => [l.productName, l.quantity])).toEqual(
      [...packing.picklist].sort((a, b) => a.sku.localeCompare(b.sku)).map((l) => [l.productName, l.quantity]),
    );
    expect(packing.picklist.map((l) => l.quantity).sort()).toEqual([1, 2]);

    const shipped = await json<Order>(act(app, vendor.token, order.id, 'ship', { carrier: 'BlueDart' }));
    expect(shipped).toMatchObject({ status: 'SHIPPED', carrier: 'BlueDart', trackingNumber: expect.stringMatching(/^FRK[0-9A-Z]+$/), deliveryOtp: null });
    const ownView = await json<Order>(app.http(`/api/v1/orders/${order.id}`, { headers: bearer(order.buyer.token) }));
    expect(ownView.deliveryOtp).toMatch(/^\d{6}$/);

    const delivered = await json<Order>(act(app, vendor.token, order.id, 'deliver', { otp: ownView.deliveryOtp }));
    expect(delivered.status).toBe('DELIVERED');
    expect(delivered.allowedTransitions).toEqual([]);

    const history = await json<History>(app.http(`/api/v1/orders/${order.id}/history/`, { headers: bearer(order.buyer.token) }));
    expect(history.map((h) => [h.previousStatus, h.newStatus])).toEqual([
      ['SHIPPED', 'DELIVERED'], ['PACKING', 'SHIPPED'], ['CONFIRMED', 'PACKING'], ['PENDING', 'CONFIRMED'], [null, 'PENDING'],
    ]);
    expect(history.map((h) => h.changedBy)).toEqual([vendor.id, vendor.id, vendor.id, order.buyer.id, order.buyer.id]);
    expect(history.every((h) => h.requestId?.startsWith('req_'))).toBe(true);
    const withoutSlash = await json<History>(app.http(`/api/v1/orders/${order.id}/history`, { headers: bearer(vendor.token) }));
    expect(withoutSlash).toEqual(history);

    const events = await app.orm.em.fork().execute<{ type: string }[]>('select type from outbox_event where aggregate_id = ? order by id', [order.id]);
    expect(events.map((e) => e.type)).toEqual(['order.created', 'order.confirmed', 'order.packing', 'order.shipped', 'order.delivered', 'payout.released']);
    await drainOutbox(app);
    const inbox = await json<{ items: { type: string; orderId: string }[] }>(app.http('/api/v1/notifications', { headers: bearer(vendor.token) }));
    expect(inbox.items.filter((n) => n.orderId === order.id).map((n) => n.type)).toEqual(['payout.released', 'order.confirmed']);
  });

  it('walks the same path through the SDK', async () => {
    const order = await placeOrder(app, vendorId);
    const customer = app.client(order.buyer.token);
    const seller = app.client(vendor.token);
    expect((await customer.orders.pay.mutate({ id: order.id, paymentToken: 'tok_mastercard' })).status).toBe('CONFIRMED');
    const { picklist } = await seller.orders.startPacking.mutate({ id: order.id });
    expect(picklist).toHaveLength(1);
    const shipped = await seller.orders.ship.mutate({ id: order.id, carrier: 'DHL', trackingNumber: 'DHL-123' });
    expect(shipped.trackingNumber).toBe('DHL-123');
    const { deliveryOtp: otp } = await customer.orders.byId.query({ id: order.id });
    expect((await seller.orders.deliver.mutate({ id: order.id, otp: otp! })).status).toBe('DELIVERED');
    const history = await customer.orders.history.query({ id: order.id });
    expect(history[0]).toMatchObject({ newStatus: 'DELIVERED', changedAt: expect.any(Date) });
  });
});

describe('payment', () => {
  it('cancels the order and restores stock when the card is declined: PAYMENT_FAILED (402)', async () => {
    const order = await placeOrder(app, vendorId, [{ stock: 5, quantity: 3 }]);
    const res = await act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_chargeDeclined' });
    expect(res.status).toBe(402);
    expect(await json<ProblemDetails>(res)).toMatchObject({ error_code: 'PAYMENT_FAILED', status: 402 });
    expect(await statusOf(app, order.id)).toBe('CANCELLED');
    expect(await stockOf(app.orm.em.fork(), order.products[0]!)).toBe(5);
    const [last] = await json<History>(app.http(`/api/v1/orders/${order.id}/history`, { headers: bearer(order.buyer.token) }));
    expect(last).toMatchObject({ previousStatus: 'PENDING', newStatus: 'CANCELLED', changedBy: null, reason: 'payment_failed' });
  });

  it('charges once when paid twice, one after the other or at the same moment', async () => {
    const order = await placeOrder(app, vendorId);
    expect((await act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' })).status).toBe(200);
    const again = await act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' });
    expect(again.status).toBe(409);
    expect((await json<ProblemDetails>(again)).error_code).toBe('INVALID_STATUS_TRANSITION');
    expect(gateway.charges.filter((c) => c.metadata.orderId === order.id)).toHaveLength(1);

    const racing = await placeOrder(app, vendorId);
    const both = await Promise.all([1, 2].map(() => act(app, racing.buyer.token, racing.id, 'pay', { paymentToken: 'tok_visa' })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(gateway.charges.filter((c) => c.metadata.orderId === racing.id)).toHaveLength(1);
    expect(await statusOf(app, racing.id)).toBe('CONFIRMED');
  });

  it('takes over a payment attempt left pending by a process that died, without charging twice', async () => {
    const order = await placeOrder(app, vendorId);
    const em = app.orm.em.fork();
    await em.execute(
      "insert into payment_attempt (id, order_id, order_ids, status, amount_cents, currency, created_at, updated_at) select ?, id, jsonb_build_array(id), 'pending', total_cents, currency, now() - interval '10 minutes', now() - interval '10 minutes' from customer_order where id = ?",
      ['01890000-0000-7000-8000-0000000000aa', order.id],
    );
    const stuck = await act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' });
    expect(stuck.status).toBe(200);
    expect(gateway.charges.filter((c) => c.metadata.orderId === order.id).map((c) => c.attemptId)).toEqual(['01890000-0000-7000-8000-0000000000aa']);

    const fresh = await placeOrder(app, vendorId);
    await em.execute(
      "insert into payment_attempt (id, order_id, order_ids, status, amount_cents, currency, created_at, updated_at) select ?, id, jsonb_build_array(id), 'pending', total_cents, currency, now(), now() from customer_order where id = ?",
      ['01890000-0000-7000-8000-0000000000bb', fresh.id],
    );
    const busy = await act(app, fresh.buyer.token, fresh.id, 'pay', { paymentToken: 'tok_visa' });
    expect(((await busy.json()) as ProblemDetails)).toMatchObject({ error_code: 'CONCURRENT_ORDER_CONFLICT', retryable: true });
    await em.execute("update payment_attempt set status = 'declined' where id = ?", ['01890000-0000-7000-8000-0000000000bb']);
    await act(app, fresh.buyer.token, fresh.id, 'cancel');
  });

  it('lets only the owner pay', async () => {
    const order = await placeOrder(app, vendorId);
    const stranger = await app.makeUser('customer');
    expect((await act(app, stranger.token, order.id, 'pay', { paymentToken: 'tok_visa' })).status).toBe(404);
    expect((await act(app, vendor.token, order.id, 'pay', { paymentToken: 'tok_visa' })).status).toBe(403);
    expect(await statusOf(app, order.id)).toBe('PENDING');
  });
});

describe('delivery code', () => {
  it('is shown to the owner only, and delivery needs it', async () => {
    const order = await orderIn(app, vendor, 'SHIPPED');
    const admin = await app.makeUser('admin');
    const view = (token: string) => json<Order>(app.http(`/api/v1/orders/${order.id}`, { headers: bearer(token) }));
    const otp = await deliveryOtp(app, order.id);
    expect((await view(order.buyer.token)).deliveryOtp).toBe(otp);
    expect((await view(vendor.token)).deliveryOtp).toBeNull();
    expect((await view(admin.token)).deliveryOtp).toBeNull();
    const listed = await json<{ items: Order[] }>(app.http('/api/v1/orders', { headers: bearer(vendor.token) }));
    expect(listed.items.every((o) => o.deliveryOtp === null)).toBe(true);

    const wrong = String((Number(otp) + 1) % 1_000_000).padStart(6, '0');
    const refused = await act(app, vendor.token, order.id, 'deliver', { otp: wrong });
    expect(refused.status).toBe(400);
    expect(await json<ProblemDetails>(refused)).toMatchObject({ error_code: 'INVALID_DELIVERY_OTP', errors: [{ field: 'otp' }] });
    expect((await json<ProblemDetails>(act(app, vendor.token, order.id, 'deliver'))).error_code).toBe('INVALID_DELIVERY_OTP');
    expect(await statusOf(app, order.id)).toBe('SHIPPED');
    expect((await act(app, vendor.token, order.id, 'deliver', { otp })).status).toBe(200);
  });
});

describe('cancellation', () => {
  it('needs a reason from a vendor, and gives the stock back exactly once', async () => {
    const order = await orderIn(app, vendor, 'CONFIRMED');
    const noReason = await act(app, vendor.token, order.id, 'cancel');
    expect(await json<ProblemDetails>(noReason)).toMatchObject({ error_code: 'VALIDATION_ERROR', errors: [{ field: 'reason' }] });
    const ok = await act(app, vendor.token, order.id, 'cancel', { reason: 'unable to fulfil: frost damage' });
    expect((await json<Order>(ok)).status).toBe('CANCELLED');
    expect(await stockOf(app.orm.em.fork(), order.products[0]!)).toBe(10);
    const [last] = await json<History>(app.http(`/api/v1/orders/${order.id}/history`, { headers: bearer(order.buyer.token) }));
    expect(last).toMatchObject({ newStatus: 'CANCELLED', changedBy: vendor.id, reason: 'unable to fulfil: frost damage' });
    const again = await act(app, order.buyer.token, order.id, 'cancel');
    expect(again.status).toBe(409);
  });

  it('refuses once shipped', async () => {
    const order = await orderIn(app, vendor, 'SHIPPED');
    const admin = await app.makeUser('admin');
    for (const token of [order.buyer.token, vendor.token, admin.token]) {
      const res = await act(app, token, order.id, 'cancel', { reason: 'too late' });
      expect((await json<ProblemDetails>(res)).error_code).toBe('INVALID_STATUS_TRANSITION');
    }
  });

  it("answers another customer's or vendor's attempt as if the order did not exist", async () => {
    const order = await placeOrder(app, vendorId);
    const stranger = await app.makeUser('customer');
    const other = await makeVendor(app, 'Elsewhere');
    expect((await act(app, stranger.token, order.id, 'cancel')).status).toBe(404);
    expect((await act(app, other.vendor.token, order.id, 'cancel', { reason: 'x' })).status).toBe(404);
    expect((await app.http(`/api/v1/orders/${order.id}/history`, { headers: bearer(stranger.token) })).status).toBe(404);
    const err = await app.client(stranger.token).orders.history.query({ id: order.id }).catch((e: unknown) => e);
    expect(getProblem(err, 'NOT_FOUND')).toBeDefined();
  });
});

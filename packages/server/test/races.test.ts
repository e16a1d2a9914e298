import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemDetails } from '@frookoon/sdk';
import { TestPaymentGateway } from '../src/domain/payments/test-payment-gateway';
import { sweepExpiredOrders } from '../src/jobs/expiry-sweeper';
import { bearer, startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { invariantViolations, makeVendor, stockOf } from '../../../test/support/fixtures';
import { act, orderIn, placeOrder, statusOf } from '../../../test/support/lifecycle';

let app: TestApp;
let gateway: TestPaymentGateway;
let vendorId: string;
let vendor: TestUser;
let admin: TestUser;
beforeAll(async () => {
  // A gateway that takes a while, so that payments really overlap with what races them.
  gateway = new TestPaymentGateway(60);
  app = await startTestApp({ DB_POOL_MAX: '20' }, undefined, { paymentGateway: gateway });
  ({ vendorId, vendor } = await makeVendor(app));
  admin = await app.makeUser('admin');
});

const sweep = () => sweepExpiredOrders(app.orm.em.fork(), { paymentTimeoutMs: 0, lockTimeoutMs: 2000 });
const codeOf = async (res: Response) => (res.status === 200 ? 'ok' : ((await res.json()) as ProblemDetails).error_code);
const expectInvariants = async () => expect(await invariantViolations(app.orm.em.fork())).toEqual([]);
const historyCount = async (orderId: string, status: string) =>
  (await app.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from order_status_history where order_id = ? and new_status = ?', [orderId, status]))[0]!.n;

afterAll(async () => {
  await expectInvariants();
  await app.close();
});

describe('races on real transactions', () => {
  it('three cancels at once: one wins, the stock comes back once', async () => {
    for (let round = 0; round < 5; round++) {
      const order = await orderIn(app, vendor, 'CONFIRMED');
      const codes = await Promise.all([
        act(app, order.buyer.token, order.id, 'cancel'),
        act(app, vendor.token, order.id, 'cancel', { reason: 'unable to fulfil' }),
        act(app, admin.token, order.id, 'cancel', { reason: 'fraud check' }),
      ].map(async (r) => codeOf(await r)));
      expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
      expect(codes.filter((c) => c === 'INVALID_STATUS_TRANSITION')).toHaveLength(2);
      expect(await stockOf(app.orm.em.fork(), order.products[0]!)).toBe(10);
      expect(await historyCount(order.id, 'CANCELLED')).toBe(1);
    }
    await expectInvariants();
  });

  it('cancel racing ship: exactly one happens', async () => {
    for (let round = 0; round < 8; round++) {
      const order = await orderIn(app, vendor, 'PACKING');
      const [cancel, ship] = await Promise.all([
        act(app, order.buyer.token, order.id, 'cancel'),
        act(app, vendor.token, order.id, 'ship', { carrier: 'BlueDart' }),
      ]);
      const codes = [await codeOf(cancel), await codeOf(ship)];
      expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
      expect(codes).toContain('INVALID_STATUS_TRANSITION');
      const status = await statusOf(app, order.id);
      expect(await stockOf(app.orm.em.fork(), order.products[0]!)).toBe(status === 'CANCELLED' ? 10 : 8);
    }
    await expectInvariants();
  });

  it('paying one order three times at once charges it once: one payment goes through, the others are refused', async () => {
    const order = await placeOrder(app, vendorId);
    const answers = await Promise.all([0, 1, 2].map(() => act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' })));
    const codes = (await Promise.all(answers.map(codeOf))).sort();
    expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
    expect(codes.every((c) => ['ok', 'CONCURRENT_ORDER_CONFLICT', 'INVALID_STATUS_TRANSITION'].includes(c))).toBe(true);
    expect(gateway.charges.filter((c) => c.metadata.orderId === order.id)).toHaveLength(1);
    expect(await statusOf(app, order.id)).toBe('CONFIRMED');
    expect(await historyCount(order.id, 'CONFIRMED')).toBe(1);
    const attempts = await app.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from payment_attempt where order_id = ?', [order.id]);
    expect(attempts[0]!.n).toBe(1);
  });

  it('pay racing the expiry sweeper: the order is either paid or cancelled, never charged and cancelled', async () => {
    for (let round = 0; round < 6; round++) {
      const order = await placeOrder(app, vendorId);
      const [paid, swept] = await Promise.all([
        act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' }),
        new Promise((r) => setTimeout(r, round * 15)).then(sweep),
      ]);
      const status = await statusOf(app, order.id);
      const charged = gateway.charges.filter((c) => c.metadata.orderId === order.id).length;
      const refunded = (await app.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from refund where order_id = ?', [order.id]))[0]!.n;
      if (paid.status === 200) {
        expect(status).toBe('CONFIRMED');
        expect(swept).not.toContain(order.id);
        expect(charged - refunded).toBe(1);
      } else {
        expect(status).toBe('CANCELLED');
        expect(swept).toContain(order.id);
        expect(await codeOf(paid)).toBe('INVALID_STATUS_TRANSITION');
        expect(charged - refunded).toBe(0);
      }
      expect(await historyCount(order.id, 'CANCELLED') + await historyCount(order.id, 'CONFIRMED')).toBe(1);
    }
    await expectInvariants();
  });

  it('pay racing a cancel by the customer: either paid, or cancelled with any charge refunded, never charged and cancelled', async () => {
    for (let round = 0; round < 8; round++) {
      const order = await placeOrder(app, vendorId);
      const [paid, cancelled] = await Promise.all([
        act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' }),
        new Promise((r) => setTimeout(r, round * 12)).then(() => act(app, order.buyer.token, order.id, 'cancel')),
      ]);
      const status = await statusOf(app, order.id);
      const charged = gateway.charges.filter((c) => c.metadata.orderId === order.id).length;
      const refunds = (await app.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from refund where order_id = ?', [order.id]))[0]!.n;
      if (paid.status === 200) {
        // Paid first: the order stayed CONFIRMED, or the cancel that came after it refunded the charge.
        expect(refunds).toBe(status === 'CONFIRMED' ? 0 : 1);
        expect(charged).toBe(1);
      } else {
        expect(status).toBe('CANCELLED');
        expect(cancelled.status).toBe(200);
        // Cancelled before the charge was made (nothing charged) or while it was in flight (charged, and refunded).
        expect(charged - refunds).toBe(0);
      }
      expect(await historyCount(order.id, 'CONFIRMED')).toBe(paid.status === 200 ? 1 : 0);
      expect(await historyCount(order.id, 'CANCELLED')).toBe(status === 'CANCELLED' ? 1 : 0);
    }
    await expectInvariants();
  });

  it('two sweepers at once over the same expired orders cancel each exactly once', async () => {
    const orders = await Promise.all(Array.from({ length: 12 }, () => placeOrder(app, vendorId)));
    const [a, b] = await Promise.all([sweep(), sweep()]);
    const ours = new Set(orders.map((o) => o.id));
    const sweptA = a.filter((id) => ours.has(id));
    const sweptB = b.filter((id) => ours.has(id));
    expect(sweptA.filter((id) => sweptB.includes(id))).toEqual([]);
    expect(new Set([...sweptA, ...sweptB])).toEqual(ours);
    for (const o of orders) {
      expect(await statusOf(app, o.id)).toBe('CANCELLED');
      expect(await historyCount(o.id, 'CANCELLED')).toBe(1);
    }
    const [row] = await app.orm.em.fork().execute('select changed_by_id, reason from order_status_history where order_id = ? and new_status = ?', [orders[0]!.id, 'CANCELLED']);
    expect(row).toEqual({ changed_by_id: null, reason: 'payment_timeout' });
    await expectInvariants();
  });
});

describe('expiry', () => {
  it('cancels only pending orders older than the timeout', async () => {
    const stale = await placeOrder(app, vendorId);
    const fresh = await placeOrder(app, vendorId);
    const paid = await orderIn(app, vendor, 'CONFIRMED');
    await app.orm.em.fork().execute("update customer_order set created_at = now() - interval '20 minutes' where id in (?, ?)", [stale.id, paid.id]);
    const cancelled = await sweepExpiredOrders(app.orm.em.fork(), { paymentTimeoutMs: 15 * 60_000, lockTimeoutMs: 2000 });
    expect(cancelled).toContain(stale.id);
    expect(cancelled).not.toContain(fresh.id);
    expect(await statusOf(app, stale.id)).toBe('CANCELLED');
    expect(await statusOf(app, fresh.id)).toBe('PENDING');
    expect(await statusOf(app, paid.id)).toBe('CONFIRMED');
    expect(await stockOf(app.orm.em.fork(), stale.products[0]!)).toBe(10);
    const view = await app.http(`/api/v1/orders/${stale.id}/history`, { headers: bearer(stale.buyer.token) });
    expect(((await view.json()) as { reason: string }[])[0]!.reason).toBe('payment_timeout');
  });
});

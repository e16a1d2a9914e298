import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemDetails } from '@frookoon/sdk';
import { bearer, jsonPost, startTestApp, type TestApp } from '../../../test/support/app';
import { invariantViolations, makeBuyer, makeProduct, makeVendor, stockOf } from '../../../test/support/fixtures';

let app: TestApp;
let vendorId: string;
beforeAll(async () => {
  app = await startTestApp({ DB_POOL_MAX: '20' });
  ({ vendorId } = await makeVendor(app));
});
afterAll(async () => {
  expect(await invariantViolations(app.orm.em.fork())).toEqual([]);
  await app.close();
});

type Buyer = Awaited<ReturnType<typeof makeBuyer>>;
const buyers = async (n: number): Promise<Buyer[]> => Promise.all(Array.from({ length: n }, () => makeBuyer(app)));

const order = (buyer: Buyer, items: { productId: string; quantity: number }[]) =>
  app.http('/api/v1/orders', jsonPost({ addressId: buyer.addressId, items }, bearer(buyer.token)));

describe('under real concurrency', () => {
  it('sells the last 50 units to exactly 50 of 200 simultaneous buyers', async () => {
    const product = await makeProduct(app, vendorId, { stock: 50, name: 'Last mangoes' });
    const crowd = await buyers(200);
    const responses = await Promise.all(crowd.map((b) => order(b, [{ productId: product, quantity: 1 }])));
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ id?: string } & Partial<ProblemDetails>>));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(bodies.filter((b) => b.error_code === 'INSUFFICIENT_STOCK')).toHaveLength(150);
    expect(new Set(bodies.filter((b) => b.id).map((b) => b.id)).size).toBe(50);
    const em = app.orm.em.fork();
    expect(await stockOf(em, product)).toBe(0);
    const sold = await em.execute<{ n: number }[]>('select count(*)::int as n from customer_order o join order_item i on i.order_id = o.id where i.product_id = ?', [product]);
    expect(sold).toEqual([{ n: 50 }]);
  });

  it('never deadlocks when two-line orders list the same products in opposite orders', async () => {
    const a = await makeProduct(app, vendorId, { stock: 1000 });
    const b = await makeProduct(app, vendorId, { stock: 1000 });
    const crowd = await buyers(100);
    const responses = await Promise.all(
      crowd.map((buyer, i) =>
        order(buyer, i % 2 === 0 ? [{ productId: a, quantity: 1 }, { productId: b, quantity: 2 }] : [{ productId: b, quantity: 2 }, { productId: a, quantity: 1 }]),
      ),
    );
    const codes = await Promise.all(responses.map(async (r) => (r.status === 201 ? 'ok' : ((await r.json()) as ProblemDetails).error_code)));
    expect(codes.filter((c) => c !== 'ok')).toEqual([]);
    const em = app.orm.em.fork();
    expect(await stockOf(em, a)).toBe(900);
    expect(await stockOf(em, b)).toBe(800);
  });

  it('ends a wait on a stock lock held past lock_timeout in CONCURRENT_ORDER_CONFLICT, retryable', async () => {
    const quick = await startTestApp({ STOCK_LOCK_TIMEOUT_MS: '150' }, app.db);
    try {
      const product = await makeProduct(quick, vendorId, { stock: 5 });
      const buyer = await makeBuyer(quick);
      const blocker = quick.orm.em.fork();
      let held!: () => void;
      const release = new Promise<void>((resolve) => (held = resolve));
      const locked = new Promise<void>((resolve) => {
        void blocker.transactional(async (tx) => {
          await tx.execute('select * from stock where product_id = ? for update', [product]);
          resolve();
          await release;
        });
      });
      await locked;
      const started = performance.now();
      const res = await quick.http('/api/v1/orders', jsonPost({ addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }] }, bearer(buyer.token)));
      const elapsed = performance.now() - started;
      held();
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error_code: 'CONCURRENT_ORDER_CONFLICT', retryable: true, status: 409 });
      // four attempts, each waiting the lock timeout, with backoff between them
      expect(elapsed).toBeGreaterThanOrEqual(4 * 150);
      expect(await stockOf(quick.orm.em.fork(), product)).toBe(5);
      const retry = await quick.http('/api/v1/orders', jsonPost({ addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }] }, bearer(buyer.token)));
      expect(retry.status).toBe(201);
    } finally {
      await quick.stop();
    }
  });
});

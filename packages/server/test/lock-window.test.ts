import { afterAll, beforeAll, expect, it } from 'vitest';
import { Order, initOrm } from '@frookoon/db';
import type { MikroORM } from '@mikro-orm/postgresql';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { makeBuyer, makeProduct, makeVendor, stockOf } from '../../../test/support/fixtures';
import { createOrder } from '../src/domain/orders/orders.service';

let app: TestApp;
let orm: MikroORM;
const statements: string[] = [];
beforeAll(async () => {
  app = await startTestApp();
  orm = await initOrm({ url: app.db.url, queryLogger: (m) => statements.push(m.replace(/^\[query\] /, '').toLowerCase()) });
});
afterAll(async () => {
  await orm.close();
  await app.close();
});

it('places several products in one round trip: the order written, the rows locked in product order, taken, and committed', async () => {
  const { vendorId } = await makeVendor(app);
  const products = await Promise.all([1, 2, 3].map(() => makeProduct(app, vendorId, { stock: 10 })));
  const buyer = await makeBuyer(app);
  statements.length = 0;
  await createOrder(
    {
      em: orm.em.fork(), actor: { userId: buyer.id, role: 'customer', vendorId: null, tokenHash: 'x' }, requestId: 'req_lockwindow', lockTimeoutMs: 2000,
      pendingCap: { orders: 20, units: 500 },
    },
    { addressId: buyer.addressId, items: products.map((productId) => ({ productId, quantity: 2 })), idempotencyKey: 'lock-window' },
  );
  const flat = statements.map((s) => s.replace(/\s+/g, ' '));
  // One entry per round trip: the key and the inputs read, then the whole transaction in one.
  expect(flat).toHaveLength(3);
  const [begin, settings, writes, lock, reserve, commit] = flat[2]!.split('; ');
  expect(begin).toBe('begin');
  expect(settings).toBe("select set_config('lock_timeout', '2000ms', true), set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan', 'off', true)");
  // The order, its items, history, event and idempotency key are written before the locks are taken,
  for (const table of ['customer_order', 'order_item', 'order_status_history', 'outbox_event', 'idempotency_key']) {
    expect(writes).toContain(`insert into ${table}`);
  }
  // and the rows are locked in product order, then decremented with their ledger rows, and committed: all inside
  // PostgreSQL, with no round trip while the locks are held.
  expect(lock).toMatch(/^select .* from stock where product_id = any\(.*\) order by product_id for update$/);
  expect(reserve).toMatch(/^with x as .*update stock s set quantity = s.quantity \+ x.delta.*insert into stock_movement/);
  expect(commit).toBe('commit');
  expect(await Promise.all(products.map((p) => stockOf(orm.em.fork(), p)))).toEqual([8, 8, 8]);

  // Short: the stock's check refuses the batch, nothing is kept, and the refusal names every short line.
  await expect(
    createOrder(
      { em: orm.em.fork(), actor: { userId: buyer.id, role: 'customer', vendorId: null, tokenHash: 'x' }, requestId: 'req_lockwindow2', lockTimeoutMs: 2000, pendingCap: { orders: 20, units: 500 } },
      { addressId: buyer.addressId, items: [{ productId: products[0]!, quantity: 1 }, { productId: products[1]!, quantity: 9 }, { productId: products[2]!, quantity: 9 }] },
    ),
  ).rejects.toMatchObject({
    code: 'INSUFFICIENT_STOCK',
    errors: [{ field: 'items.1.quantity', message: expect.stringContaining('8 available, 9 requested') }, { field: 'items.2.quantity' }],
  });
  expect(await Promise.all(products.map((p) => stockOf(orm.em.fork(), p)))).toEqual([8, 8, 8]);
  expect(await orm.em.fork().count(Order, { customer: buyer.id })).toBe(1);
});

it('places a single product in one round trip: one statement takes the stock and writes the order, and commits', async () => {
  const { vendorId } = await makeVendor(app);
  const productId = await makeProduct(app, vendorId, { stock: 10 });
  const buyer = await makeBuyer(app);
  const deps = {
    em: orm.em.fork(), actor: { userId: buyer.id, role: 'customer' as const, vendorId: null, tokenHash: 'x' }, requestId: 'req_lockwindow1', lockTimeoutMs: 2000,
    pendingCap: { orders: 20, units: 500 },
  };
  statements.length = 0;
  await createOrder(deps, { addressId: buyer.addressId, items: [{ productId, quantity: 3 }], idempotencyKey: 'lock-window-1' });
  const flat = statements.map((s) => s.replace(/\s+/g, ' '));
  // Reads (the idempotency key; what the checks need), then one round trip: the lock timeout, and the placement.
  expect(flat).toHaveLength(3);
  const [settings, place] = flat[2]!.split('; with ');
  expect(settings).toBe("select set_config('lock_timeout', '2000ms', true), set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan', 'off', true)");
  expect(place).toMatch(/^t as \(update stock set quantity = quantity - \$\d+.* where product_id = \$\d+ and quantity >= \$\d+ .*insert into stock_movement/);
  for (const table of ['customer_order', 'order_item', 'order_status_history', 'outbox_event', 'idempotency_key']) {
    expect(place).toContain(`insert into ${table}`);
  }
  expect(flat.some((s) => /\b(begin|commit)\b|for update/.test(s))).toBe(false);
  expect(await stockOf(orm.em.fork(), productId)).toBe(7);

  // Short: nothing written, and the refusal says what is left.
  await expect(createOrder({ ...deps, em: orm.em.fork() }, { addressId: buyer.addressId, items: [{ productId, quantity: 8 }] })).rejects.toMatchObject({
    code: 'INSUFFICIENT_STOCK', errors: [{ field: 'items.0.quantity', message: expect.stringContaining('7 available, 8 requested') }],
  });
  expect(await stockOf(orm.em.fork(), productId)).toBe(7);
  expect(await orm.em.fork().count(Order, { customer: buyer.id })).toBe(1);
});


import { afterAll, beforeAll, expect, it } from 'vitest';
import { initOrm } from '@frookoon/db';
import type { MikroORM } from '@mikro-orm/postgresql';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { makeBuyer, makeProduct, makeVendor } from '../../../test/support/fixtures';
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

it('holds the stock locks for three statements only: the lock, one decrement-and-ledger statement, commit', async () => {
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
  const lockAt = flat.findIndex((s) => s.includes('for update'));
  expect(lockAt).toBeGreaterThan(0);
  const locked = flat.slice(lockAt);
  expect(locked).toHaveLength(3);
  expect(locked[0]).toMatch(/^select .* from stock where product_id = any\(.*\) order by product_id for update/);
  expect(locked[1]).toMatch(/update stock s set quantity = s.quantity \+ x.delta.*insert into stock_movement/);
  expect(locked[2]).toMatch(/^commit/);
  // The order, its items, history, event and idempotency key went in before the locks, in one statement.
  const before = flat.slice(0, lockAt).filter((s) => s.includes('insert into'));
  expect(before).toHaveLength(1);
  for (const table of ['customer_order', 'order_item', 'order_status_history', 'outbox_event', 'idempotency_key']) {
    expect(before[0]).toContain(`insert into ${table}`);
  }
  // Round trips of the whole placement: reads, begin with its lock timeout, insert, lock, reserve, commit.
  expect(flat.length).toBeLessThanOrEqual(7);
});

it('holds a single product for two statements only: one conditional update with its ledger row, then commit', async () => {
  const { vendorId } = await makeVendor(app);
  const productId = await makeProduct(app, vendorId, { stock: 10 });
  const buyer = await makeBuyer(app);
  const deps = {
    em: orm.em.fork(), actor: { userId: buyer.id, role: 'customer' as const, vendorId: null, tokenHash: 'x' }, requestId: 'req_lockwindow1', lockTimeoutMs: 2000,
    pendingCap: { orders: 20, units: 500 },
  };
  statements.length = 0;
  await createOrder(deps, { addressId: buyer.addressId, items: [{ productId, quantity: 3 }] });
  const flat = statements.map((s) => s.replace(/\s+/g, ' '));
  const lockAt = flat.findIndex((s) => s.includes('update stock'));
  expect(flat.slice(lockAt)).toHaveLength(2);
  expect(flat[lockAt]).toMatch(/^with u as \(update stock set quantity = quantity - \$2.* where product_id = \$1 and quantity >= \$2 .*insert into stock_movement/);
  expect(flat[lockAt + 1]).toMatch(/^commit/);
  expect(flat.some((s) => s.includes('for update'))).toBe(false);

  // Short: nothing written, and the refusal says what is left.
  await expect(createOrder({ ...deps, em: orm.em.fork() }, { addressId: buyer.addressId, items: [{ productId, quantity: 8 }] })).rejects.toMatchObject({
    code: 'INSUFFICIENT_STOCK', errors: [{ field: 'items.0.quantity', message: expect.stringContaining('7 available, 8 requested') }],
  });
});

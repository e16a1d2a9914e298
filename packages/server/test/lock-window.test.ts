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

it('holds the stock locks for four statements only: lock, decrement, ledger, commit', async () => {
  const { vendorId } = await makeVendor(app);
  const products = await Promise.all([1, 2, 3].map(() => makeProduct(app, vendorId, { stock: 10 })));
  const buyer = await makeBuyer(app);
  statements.length = 0;
  await createOrder(
    { em: orm.em.fork(), actor: { userId: buyer.id, role: 'customer', vendorId: null, tokenHash: 'x' }, requestId: 'req_lockwindow', lockTimeoutMs: 2000 },
    { addressId: buyer.addressId, items: products.map((productId) => ({ productId, quantity: 2 })), idempotencyKey: 'lock-window' },
  );
  const lockAt = statements.findIndex((s) => s.includes('for update'));
  expect(lockAt).toBeGreaterThan(0);
  const locked = statements.slice(lockAt).map((s) => s.split(' ').slice(0, 3).join(' '));
  expect(locked).toHaveLength(4);
  expect(statements[lockAt]).toMatch(/^select .* from "stock" .* where .*"product_id" in \(.*\) order by .*"product_id" asc for update/);
  // One batched UPDATE … CASE for all lines, one multi-row INSERT into the ledger, then COMMIT.
  expect(locked.slice(1, 3).sort()).toEqual(['insert into "stock_movement"', 'update "stock" set']);
  expect(statements.slice(lockAt + 1, lockAt + 3).find((s) => s.startsWith('update'))).toContain('case');
  expect(locked[3]).toMatch(/^commit/);
  // Everything else of the order was written before the locks were taken.
  const before = statements.slice(0, lockAt).join('\n');
  for (const table of ['customer_order', 'order_item', 'order_status_history', 'outbox_event', 'idempotency_key']) {
    expect(before).toContain(`insert into "${table}"`);
  }
});

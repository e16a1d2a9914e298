import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '@frookoon/db';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { invariantViolations, makeBuyer, makeProduct, makeVendor, stockOf } from '../../../test/support/fixtures';
import { request, spawnServer, type ServerProcess } from '../../../test/support/drill';
import { workerPoolMax } from '../src/cluster';

let db: TestDatabase;
let app: TestApp;
let server: ServerProcess;
let port: number;
beforeAll(async () => {
  db = await createTestDatabase();
  app = await startTestApp({}, db);
  port = await freePort();
  // Two workers on one port, each sweeping unpaid orders every 200 ms.
  server = await spawnServer(db.url, port, { WORKERS: '2', EXPIRY_SWEEP_INTERVAL_MS: '200', RATE_LIMITS: 'off' });
});
afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  await app.close();
  await db.drop();
});

it('WORKERS=2: two processes sell the last 50 units to exactly 50 of 200 buyers, and both sweep each expired order once', async () => {
  const { vendorId } = await makeVendor(app);
  const product = await makeProduct(app, vendorId, { stock: 50 });
  const buyers = await Promise.all(Array.from({ length: 200 }, () => makeBuyer(app)));
  const answers = await Promise.all(buyers.map((b) => request(server.url, 'POST', '/api/v1/orders', { addressId: b.addressId, items: [{ productId: product, quantity: 1 }] }, b.token)));
  expect(answers.filter((a) => a.status === 201)).toHaveLength(50);
  expect(answers.filter((a) => a.status === 400 && (a.body as { error_code: string }).error_code === 'INSUFFICIENT_STOCK')).toHaveLength(150);

  // Both workers answered: the refusals they logged carry two process ids.
  const log = readFileSync(join(tmpdir(), `frookoon-drill-${port}.log`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { pid: number; error_code?: string });
  expect(new Set(log.filter((l) => l.error_code === 'INSUFFICIENT_STOCK').map((l) => l.pid)).size).toBe(2);

  const orderIds = answers.filter((a) => a.status === 201).map((a) => (a.body as { id: string }).id);
  // Left unpaid past the payment timeout: both workers' sweepers now compete for them.
  await app.orm.em.fork().execute("update customer_order set created_at = now() - interval '1 hour' where id in (?)", [orderIds]);
  const cancelled = async () => (await app.orm.em.fork().execute<{ n: number }[]>(
    "select count(*)::int as n from order_status_history where order_id in (?) and new_status = 'CANCELLED'", [orderIds]))[0]!.n;
  for (let i = 0; i < 100 && (await cancelled()) < 50; i++) await sleep(100);
  expect(await cancelled()).toBe(50);
  expect(await stockOf(app.orm.em.fork(), product)).toBe(50);
  expect(await invariantViolations(app.orm.em.fork())).toEqual([]);
}, 120_000);

it('shares DB_POOL_MAX between the workers, at least two connections each', () => {
  expect(workerPoolMax({ dbPoolMax: 10, workers: 1 })).toBe(10);
  expect(workerPoolMax({ dbPoolMax: 10, workers: 2 })).toBe(5);
  expect(workerPoolMax({ dbPoolMax: 10, workers: 3 })).toBe(4);
  expect(workerPoolMax({ dbPoolMax: 10, workers: 8 })).toBe(2);
});

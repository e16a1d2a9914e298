import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '@frookoon/db';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { makeBuyer, makeProduct, makeVendor } from '../../../test/support/fixtures';
import { request, spawnServer } from '../../../test/support/drill';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

let db: TestDatabase;
let app: TestApp;
beforeAll(async () => {
  await run('pnpm', ['--filter', '@frookoon/server', 'build'], { cwd: repoRoot });
  db = await createTestDatabase();
  app = await startTestApp({}, db);
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

it('runs as compiled JavaScript in production: no demo data unless asked, and orders go through', async () => {
  const server = await spawnServer(db.url, await freePort(), { NODE_ENV: 'production', PAYMENT_GATEWAY: 'test', SEED_DEMO: '' }, 'compiled');
  try {
    const demoAdmin = await app.orm.em.fork().execute("select 1 from app_user where email = 'admin@demo.frookoon.test'");
    expect(demoAdmin).toEqual([]);
    const { vendorId } = await makeVendor(app);
    const productId = await makeProduct(app, vendorId, { stock: 3 });
    const buyer = await makeBuyer(app);
    const placed = await request(server.url, 'POST', '/api/v1/orders', { addressId: buyer.addressId, items: [{ productId, quantity: 2 }] }, buyer.token);
    expect(placed).toMatchObject({ status: 201, body: { status: 'PENDING', totalCents: 200 } });
    const paid = await request(server.url, 'POST', `/api/v1/orders/${(placed.body as { id: string }).id}/pay`, { paymentToken: 'tok_visa' }, buyer.token);
    expect(paid).toMatchObject({ status: 200, body: { status: 'CONFIRMED' } });
  } finally {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }
});

it('refuses to start in production on a payment gateway nobody chose', async () => {
  const started = spawnServer(db.url, await freePort(), { NODE_ENV: 'production', PAYMENT_GATEWAY: '' }, 'compiled');
  await expect(started).rejects.toThrow(/server exited at start \(1\).*PAYMENT_GATEWAY/s);
});

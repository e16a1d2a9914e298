/**
 * Fault drills against the real server in a process of its own, under a concurrent order-and-pay load
 * (127.0.0.1 only, bounded in time). Each ends with every invariant holding and every order a client was told
 * was accepted present in the database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, initOrm, migrate, startEmbeddedPostgres } from '@frookoon/db';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { createTestDatabase } from '../../../test/support/database';
import { invariantViolations, makeBuyer, makeProduct, makeVendor } from '../../../test/support/fixtures';
import { orderAndPayLoad, request, spawnServer, type LoadResult, type Shopper } from '../../../test/support/drill';

const SHOPPERS = 12;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Shoppers with addresses and well-stocked products, made through a second instance on the same database. */
async function stockTheShop(app: TestApp): Promise<{ shoppers: Shopper[]; products: string[] }> {
  const { vendorId } = await makeVendor(app);
  const products = await Promise.all(Array.from({ length: 4 }, () => makeProduct(app, vendorId, { stock: 100_000 })));
  const shoppers = await Promise.all(Array.from({ length: SHOPPERS }, () => makeBuyer(app)));
  return { shoppers: shoppers.map((s) => ({ token: s.token, addressId: s.addressId })), products };
}

/** Nothing a client was told is lost, and the books balance. */
async function expectNothingLost(app: TestApp, load: LoadResult): Promise<void> {
  const em = app.orm.em.fork();
  const accepted = [...load.accepted];
  const found = accepted.length
    ? await em.execute<{ id: string; status: string; paid_cents: number }[]>('select id, status, paid_cents from customer_order where id in (?)', [accepted])
    : [];
  expect(found.length).toBe(accepted.length);
  const paid = found.filter((o) => load.paid.has(o.id));
  expect(paid.length).toBe(load.paid.size);
  expect(paid.every((o) => o.status === 'CONFIRMED' && o.paid_cents > 0)).toBe(true);
  expect(await invariantViolations(em)).toEqual([]);
}

const summary = (name: string, load: LoadResult) =>
  // The drills' figures: what the clients saw, for the record of each run.
  process.stdout.write(`${name}: ${load.accepted.size} orders accepted, ${load.paid.size} paid, answers ${JSON.stringify(Object.fromEntries(load.answers))}\n`);

describe('fault drills', () => {
  it('kill -9 in the middle of a 10-second order-and-pay load, then a restart, loses no accepted order', async () => {
    const db = await createTestDatabase();
    const app = await startTestApp({}, db);
    cleanups.push(() => db.drop(), () => app.close());
    const { shoppers, products } = await stockTheShop(app);
    const port = await freePort();
    let server = await spawnServer(db.url, port);
    cleanups.push(async () => server.child.kill('SIGKILL'));

    const drill = (async () => {
      await sleep(4_000);
      server.child.kill('SIGKILL');
      expect(await server.exited).toBeNull();
      server = await spawnServer(db.url, port);
      await sleep(Math.max(0, 10_000 - 4_000 - 3_000));
    })();
    const load = await orderAndPayLoad(() => server.url, shoppers, products, drill);
    summary('kill -9', load);
    server.child.kill('SIGTERM');
    await server.exited;

    expect(load.accepted.size).toBeGreaterThan(0);
    expect([...load.answers.keys()].filter((k) => k.startsWith('5') && !k.includes('SERVICE_UNAVAILABLE'))).toEqual([]);
    await expectNothingLost(app, load);
  }, 120_000);

  it('SIGTERM under load: requests in flight complete, new ones are refused, nothing is half-written', async () => {
    const db = await createTestDatabase();
    const app = await startTestApp({}, db);
    cleanups.push(() => db.drop(), () => app.close());
    const { shoppers, products } = await stockTheShop(app);
    const server = await spawnServer(db.url, await freePort());

    const drill = (async () => {
      await sleep(2_000);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      await sleep(300);
    })();
    const load = await orderAndPayLoad(() => server.url, shoppers, products, drill);
    summary('SIGTERM', load);

    // A request the server took was answered in full (it stopped cleanly, within its grace period); after that,
    // connections were refused (or, for one still waiting in the listen queue unread, reset).
    const kinds = [...load.answers.keys()];
    expect(kinds.filter((k) => !/^\d{3}/.test(k) && k !== 'ECONNREFUSED' && k !== 'ECONNRESET')).toEqual([]);
    expect(kinds.filter((k) => k.startsWith('5'))).toEqual([]);
    expect(load.answers.get('ECONNREFUSED')).toBeGreaterThan(0);
    await expectNothingLost(app, load);
  }, 120_000);

  it('PostgreSQL stopped under load and started again: SERVICE_UNAVAILABLE meanwhile, recovery without a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'frookoon-drill-pg-'));
    const pgPort = await freePort();
    const start = () => startEmbeddedPostgres({ dataDir, port: pgPort, database: 'frookoon' });
    let cluster = await start();
    cleanups.push(async () => {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const orm = await initOrm({ url: cluster.url });
    await migrate(orm);
    await orm.close(true);
    const app = await startTestApp({}, { name: 'frookoon', url: cluster.url, drop: async () => undefined });
    cleanups.push(() => app.close());
    const { shoppers, products } = await stockTheShop(app);
    const server = await spawnServer(cluster.url, await freePort(), { DB_CONNECT_TIMEOUT_MS: '1000' });
    cleanups.push(async () => {
      server.child.kill('SIGTERM');
      await server.exited;
    });

    let whileAway: number[] = [];
    const drill = (async () => {
      await sleep(2_000);
      await cluster.stop();
      const probes = await Promise.all(Array.from({ length: 3 }, () => request(server.url, 'GET', '/readyz')));
      whileAway = probes.map((p) => p.status);
      await sleep(1_500);
      cluster = await start();
      for (let i = 0; i < 100 && (await request(server.url, 'GET', '/readyz')).status !== 200; i++) await sleep(100);
      await sleep(2_000);
    })();
    const load = await orderAndPayLoad(() => server.url, shoppers, products, drill);
    summary('PostgreSQL stopped', load);

    expect(whileAway).toEqual([503, 503, 503]);
    expect(load.answers.get('503 SERVICE_UNAVAILABLE')).toBeGreaterThan(0);
    expect([...load.answers.keys()].filter((k) => k.startsWith('5') && k !== '503 SERVICE_UNAVAILABLE')).toEqual([]);
    // Orders go through again after the database came back, on the same server process.
    const before = load.accepted.size;
    const after = await request(server.url, 'POST', '/api/v1/orders', { addressId: shoppers[0]!.addressId, items: [{ productId: products[0], quantity: 1 }] }, shoppers[0]!.token);
    expect(after.status).toBe(201);
    expect(before).toBeGreaterThan(0);
    // The second instance's pool has reconnected too.
    await expectNothingLost(app, load);
  }, 120_000);
});

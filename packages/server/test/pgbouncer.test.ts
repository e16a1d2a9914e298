/**
 * Frookoon as large deployments run it: DATABASE_URL names PgBouncer in transaction pooling mode (Debian's 1.18,
 * started here; without it this file fails, it does not skip), DATABASE_DIRECT_URL the database itself.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startPgBouncer, type RunningPgBouncer } from '@frookoon/db';
import type { ProblemDetails } from '@frookoon/sdk';
import { ConfigError, loadConfig } from '../src/config';
import { bearer, jsonPost, startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { invariantViolations, makeBuyer, makeProduct, makeVendor, stockOf } from '../../../test/support/fixtures';
import { act, deliveryOtp, placeOrder } from '../../../test/support/lifecycle';

const POOLER_CONNECTIONS = 8;

let db: TestDatabase | undefined;
let bouncer: RunningPgBouncer | undefined;
let app: TestApp;
let vendor: TestUser;
let started: Promise<void> | undefined;
/** Run by each test rather than by a hook: without PgBouncer every test fails with the reason, none is skipped. */
const start = () =>
  (started ??= (async () => {
    db = await createTestDatabase();
    bouncer = await startPgBouncer({ targetUrl: db.url, poolSize: POOLER_CONNECTIONS });
    // More connections in the server's pool than PgBouncer opens to PostgreSQL: its clients queue there.
    app = await startTestApp({ DATABASE_URL: bouncer.url, DATABASE_DIRECT_URL: db.url, DB_POOL_MAX: '20' }, db);
    ({ vendor } = await makeVendor(app));
  })());
afterAll(async () => {
  await started?.catch(() => undefined);
  await app?.close();
  await bouncer?.stop();
  await db?.drop();
});

/** A command of PgBouncer's admin console, which speaks only the simple query protocol. */
async function adminConsole<R>(command: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: bouncer!.adminUrl });
  await client.connect();
  try {
    return (await client.query<R & pg.QueryResultRow>(command)).rows;
  } finally {
    await client.end();
  }
}

const pooledTransactions = async () =>
  Number((await adminConsole<{ database: string; total_xact_count: string }>('show stats')).find((s) => s.database === db!.name)?.total_xact_count ?? 0);

/** Sessions on the database itself, by application name, as PostgreSQL sees them. */
async function directSessions(): Promise<Map<string, number>> {
  const rows = await app.orm.em.fork().execute<{ application_name: string; n: number }[]>(
    'select application_name, count(*)::int as n from pg_stat_activity where datname = current_database() group by 1',
  );
  return new Map(rows.map((r) => [r.application_name, r.n]));
}

describe('behind PgBouncer in transaction pooling mode', () => {
  it('sells the last 50 units to exactly 50 of 200 simultaneous buyers', async () => {
    await start();
    const product = await makeProduct(app, vendor.vendorId!, { stock: 50, name: 'Last mangoes' });
    const crowd = await Promise.all(Array.from({ length: 200 }, () => makeBuyer(app)));
    const before = await pooledTransactions();
    const responses = await Promise.all(
      crowd.map((b) => app.http('/api/v1/orders', jsonPost({ addressId: b.addressId, items: [{ productId: product, quantity: 1 }] }, bearer(b.token)))),
    );
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ id?: string } & Partial<ProblemDetails>>));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(50);
    expect(bodies.filter((b) => b.error_code === 'INSUFFICIENT_STOCK')).toHaveLength(150);
    expect(new Set(bodies.filter((b) => b.id).map((b) => b.id)).size).toBe(50);
    expect(await stockOf(app.orm.em.fork(), product)).toBe(0);
    expect(await invariantViolations(app.orm.em.fork())).toEqual([]);

    // The orders really went through PgBouncer, over no more server connections than it may open.
    expect(await pooledTransactions() - before).toBeGreaterThanOrEqual(200);
    const servers = await adminConsole<{ database: string }>('show servers');
    expect(servers.filter((s) => s.database === db!.name).length).toBeLessThanOrEqual(POOLER_CONNECTIONS);
    // LISTEN holds a session of its own on the database itself, never one of PgBouncer's.
    const clients = await adminConsole<{ database: string; application_name: string }>('show clients');
    expect(clients.filter((c) => c.database === db!.name).map((c) => c.application_name)).not.toContain('frookoon-listen');
    expect((await directSessions()).get('frookoon-listen')).toBe(1);
  });

  it('walks an order from creation to delivery, with its history, while a subscriber sees each change live', async () => {
    await start();
    const order = await placeOrder(app, vendor.vendorId!);
    // The creation event goes out before anyone watches; the watcher then sees only what follows.
    const undispatched = async () =>
      (await app.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from outbox_event where aggregate_id = ? and dispatched_at is null', [order.id]))[0]!.n;
    for (let i = 0; i < 100 && (await undispatched()) > 0; i++) await new Promise((r) => setTimeout(r, 50));

    const received: { type: string; status: string | null }[] = [];
    let failed: unknown;
    let subscribed!: () => void;
    const listening = new Promise<void>((resolve) => (subscribed = resolve));
    const watcher = app.client(order.buyer.token).orders.onStatusChange.subscribe(
      { id: order.id },
      { onData: (event) => received.push(event.data), onError: (err) => (failed = err), onStarted: () => subscribed() },
    );
    try {
      await listening;
      expect((await act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' })).status).toBe(200);
      expect((await act(app, vendor.token, order.id, 'packing')).status).toBe(200);
      expect((await act(app, vendor.token, order.id, 'ship', { carrier: 'BlueDart' })).status).toBe(200);
      expect((await act(app, vendor.token, order.id, 'deliver', { otp: (await deliveryOtp(app, order.id)) ?? undefined })).status).toBe(200);
      for (let i = 0; i < 400 && received.length < 5 && !failed; i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      watcher.unsubscribe();
    }
    expect(failed).toBeUndefined();
    expect(received.map((e) => [e.type, e.status])).toEqual([
      ['order.confirmed', 'CONFIRMED'],
      ['order.packing', 'PACKING'],
      ['order.shipped', 'SHIPPED'],
      ['order.delivered', 'DELIVERED'],
      ['payout.released', 'DELIVERED'],
    ]);

    const history = (await (await app.http(`/api/v1/orders/${order.id}/history`, { headers: bearer(order.buyer.token) })).json()) as
      { previousStatus: string | null; newStatus: string; changedBy: string | null }[];
    expect(history.map((h) => [h.previousStatus, h.newStatus])).toEqual([
      ['SHIPPED', 'DELIVERED'], ['PACKING', 'SHIPPED'], ['CONFIRMED', 'PACKING'], ['PENDING', 'CONFIRMED'], [null, 'PENDING'],
    ]);
    expect(history.map((h) => h.changedBy)).toEqual([vendor.id, vendor.id, vendor.id, order.buyer.id, order.buyer.id]);

    expect(await invariantViolations(app.orm.em.fork())).toEqual([]);
  });
});

describe('DATABASE_PREPARED_STATEMENTS', () => {
  const pooler = { DATABASE_URL: 'postgres://u:p@127.0.0.1:6432/db', DATABASE_DIRECT_URL: 'postgres://u:p@127.0.0.1:5432/db' };

  it('is off by default with a direct URL beside DATABASE_URL (a pooler), on otherwise, and either when asked for', () => {
    expect(loadConfig(pooler).databasePreparedStatements).toBe(false);
    expect(loadConfig({ ...pooler, DATABASE_PREPARED_STATEMENTS: 'on' }).databasePreparedStatements).toBe(true);
    expect(loadConfig({ DATABASE_URL: pooler.DATABASE_URL }).databasePreparedStatements).toBe(true);
    expect(loadConfig({}).databasePreparedStatements).toBe(true);
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'off' }).databasePreparedStatements).toBe(false);
    expect(loadConfig({ DATABASE_URL: pooler.DATABASE_URL }).databaseDirectUrl).toBe(pooler.DATABASE_URL);
  });

  it('refuses a direct URL without DATABASE_URL', () => {
    expect(() => loadConfig({ DATABASE_DIRECT_URL: pooler.DATABASE_DIRECT_URL })).toThrow(ConfigError);
  });
});

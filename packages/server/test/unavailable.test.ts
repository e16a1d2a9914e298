import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ProblemDetails } from '@frookoon/sdk';
import { trpcProblem } from '../../../test/support/trpc';
import { bearer, startTestApp, type TestApp } from '../../../test/support/app';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { startTcpProxy, type TcpProxy } from '../../../test/support/tcp-proxy';

let db: TestDatabase;
let proxy: TcpProxy;
let app: TestApp;

beforeAll(async () => {
  db = await createTestDatabase();
  const direct = new URL(db.url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port) });
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  app = await startTestApp({ DB_CONNECT_TIMEOUT_MS: '1000' }, { ...db, url: viaProxy.toString() });
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

it('answers SERVICE_UNAVAILABLE fast, and readyz 503, when the database goes away', async () => {
  const user = await app.makeUser('customer');
  expect((await app.http('/api/v1/auth/me', { headers: bearer(user.token) })).status).toBe(200);
  await proxy.cut();

  for (let attempt = 0; attempt < 2; attempt++) {
    const started = performance.now();
    const res = await app.http('/api/v1/auth/me', { headers: bearer(user.token) });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as ProblemDetails;
    expect(problem).toMatchObject({ error_code: 'SERVICE_UNAVAILABLE', retryable: true, status: 503 });
    expect(elapsed).toBeLessThan(5000);
  }

  const trpc = await app.http('/trpc/auth.me', { headers: bearer(user.token) });
  expect(trpc.status).toBe(503);
  expect(trpcProblem(await trpc.json()).error_code).toBe('SERVICE_UNAVAILABLE');

  const ready = await app.http('/readyz');
  expect(ready.status).toBe(503);
  expect(((await ready.json()) as ProblemDetails).error_code).toBe('SERVICE_UNAVAILABLE');
});

it('recovers by itself when the database comes back: requests, readiness and live events', async () => {
  const user = await app.makeUser('customer').catch(() => undefined);
  expect(user).toBeUndefined();
  await proxy.restore();
  let ready = 0;
  for (let i = 0; i < 100 && ready !== 200; i++) {
    ready = (await app.http('/readyz')).status;
    if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  expect(ready).toBe(200);
  const customer = await app.makeUser('customer');
  expect((await app.http('/api/v1/auth/me', { headers: bearer(customer.token) })).status).toBe(200);

  // The LISTEN connection came back too: a NOTIFY reaches the hub again.
  let heard = false;
  const iterator = app.orderEvents.events('*');
  const next = iterator.next().then(() => (heard = true));
  for (let i = 0; i < 100 && !heard; i++) {
    await app.orm.em.fork().execute(`select pg_notify('frookoon_order_events', ?)`, [JSON.stringify({ eventId: 'x', type: 'ping', orderId: '*' })]);
    await Promise.race([next, new Promise((r) => setTimeout(r, 100))]);
  }
  expect(heard).toBe(true);
  await iterator.return?.();
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { purgeRetained } from '../src/jobs/retention';
import { bearer, startTestApp, type TestApp } from '../../../test/support/app';
import { makeVendor } from '../../../test/support/fixtures';
import { drainOutbox, orderIn } from '../../../test/support/lifecycle';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const count = async (sql: string, params: unknown[] = []) => (await app.orm.em.fork().execute<{ n: number }[]>(sql, params))[0]!.n;

it('purges old dispatched events, dead tokens, spent rate limits and expired keys in small batches, keeping inbox events and live rows', async () => {
  const { vendor } = await makeVendor(app);
  const orders = await Promise.all(Array.from({ length: 3 }, () => orderIn(app, vendor, 'CONFIRMED')));
  await drainOutbox(app);
  const em = app.orm.em.fork();
  const ids = orders.map((o) => o.id);
  await em.execute("update outbox_event set dispatched_at = now() - interval '8 days' where aggregate_id in (?)", [ids]);
  const old = await count('select count(*)::int as n from outbox_event where aggregate_id in (?)', [ids]);
  const inboxed = await count('select count(*)::int as n from outbox_event e where aggregate_id in (?) and exists (select 1 from notification n where n.event_id = e.id)', [ids]);
  expect(inboxed).toBe(3);

  const live = await app.makeUser('customer');
  const revoked = await app.makeUser('customer');
  await app.http('/api/v1/auth/logout', { method: 'POST', headers: bearer(revoked.token) });
  await em.execute("update api_token set expires_at = now() - interval '1 minute' where user_id = ?", [orders[0]!.buyer.id]);
  const deadTokens = await count('select count(*)::int as n from api_token where expires_at < now() or revoked_at is not null');
  expect(deadTokens).toBeGreaterThanOrEqual(2);

  await em.execute(
    "insert into rate_limit (key, points, expire) values ('test:spent-a', 3, ?), ('test:spent-b', 1, ?), ('test:live', 2, ?)",
    [Date.now() - 60_000, Date.now() - 1, Date.now() + 60_000],
  );

  // Two instances at once, each in batches of two: every row goes once, none is skipped for good.
  const [a, b] = await Promise.all([
    purgeRetained(app.orm.em.fork(), { outboxRetentionDays: 7, batch: 2 }),
    purgeRetained(app.orm.em.fork(), { outboxRetentionDays: 7, batch: 2 }),
  ]);
  expect(a.outboxEvents + b.outboxEvents).toBe(old - inboxed);
  expect(a.tokens + b.tokens).toBe(deadTokens);
  expect(a.rateLimits + b.rateLimits).toBe(2);
  expect(await em.execute<{ key: string }[]>("select key from rate_limit where key like 'test:%'")).toEqual([{ key: 'test:live' }]);
  expect(await count('select count(*)::int as n from outbox_event where aggregate_id in (?)', [ids])).toBe(inboxed);
  expect(await count('select count(*)::int as n from api_token where expires_at < now() or revoked_at is not null')).toBe(0);

  expect((await app.http('/api/v1/auth/me', { headers: bearer(live.token) })).status).toBe(200);
  const inbox = (await (await app.http('/api/v1/notifications', { headers: bearer(vendor.token) })).json()) as { items: unknown[] };
  expect(inbox.items).toHaveLength(3);
  // Events of the last seven days stay.
  const recent = await orderIn(app, vendor, 'PENDING');
  await drainOutbox(app);
  await purgeRetained(app.orm.em.fork(), { outboxRetentionDays: 7 });
  expect(await count('select count(*)::int as n from outbox_event where aggregate_id = ?', [recent.id])).toBe(1);
});

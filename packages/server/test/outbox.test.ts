import { afterAll, beforeAll, expect, it } from 'vitest';
import { dispatchOutbox } from '../src/jobs/outbox-dispatcher';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { makeVendor } from '../../../test/support/fixtures';
import { act, drainOutbox, placeOrder } from '../../../test/support/lifecycle';

let app: TestApp;
let vendor: TestUser;
beforeAll(async () => {
  // No dispatch by timer: this test drives the dispatcher itself (mutations still ask for one).
  app = await startTestApp({ OUTBOX_POLL_MS: '3600000' });
  ({ vendor } = await makeVendor(app));
});
afterAll(() => app.close());

const undispatched = async (orderId: string) =>
  (await app.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from outbox_event where aggregate_id = ? and dispatched_at is null', [orderId]))[0]!.n;

it('keeps events whose dispatch failed and delivers them on a later run, once into the inbox', async () => {
  const order = await placeOrder(app, vendor.vendorId!);
  await drainOutbox(app);
  const em = app.orm.em.fork();
  await em.execute(`create function fail_inbox() returns trigger language plpgsql as $$ begin raise exception 'inbox down'; end $$`);
  await em.execute('create trigger fail_inbox before insert on notification for each row execute function fail_inbox()');

  expect((await act(app, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' })).status).toBe(200);
  // The payment itself asked for a dispatch; it fails in the background, and so does ours.
  for (let i = 0; i < 50 && !app.logs.some((l) => l.job === 'outbox' && l.level === 'error'); i++) await new Promise((r) => setTimeout(r, 20));
  expect(app.logs.some((l) => l.job === 'outbox' && JSON.stringify(l).includes('inbox down'))).toBe(true);
  await expect(dispatchOutbox(app.orm.em.fork())).rejects.toThrow(/inbox down/);
  expect(await undispatched(order.id)).toBe(1);

  await em.execute('drop trigger fail_inbox on notification');
  expect(await dispatchOutbox(app.orm.em.fork())).toBeGreaterThanOrEqual(1);
  expect(await undispatched(order.id)).toBe(0);
  expect(await dispatchOutbox(app.orm.em.fork())).toBe(0);
  const inbox = await em.execute<{ type: string }[]>('select type from notification where order_id = ?', [order.id]);
  expect(inbox).toEqual([{ type: 'order.confirmed' }]);
});

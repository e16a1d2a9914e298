import { afterAll, beforeAll, expect, it } from 'vitest';
import { getProblem } from '@frookoon/sdk';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { makeVendor } from '../../../test/support/fixtures';
import { act, deliveryOtp, placeOrder } from '../../../test/support/lifecycle';

let a: TestApp;
let b: TestApp;
let vendor: TestUser;
beforeAll(async () => {
  a = await startTestApp();
  // A second instance on the same database: its own pool, its own LISTEN connection, its own dispatcher.
  b = await startTestApp({}, a.db);
  ({ vendor } = await makeVendor(a));
});
afterAll(async () => {
  await b.stop();
  await a.close();
});

async function allDispatched(orderId: string): Promise<boolean> {
  const rows = await a.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from outbox_event where aggregate_id = ? and dispatched_at is null', [orderId]);
  return rows[0]!.n === 0;
}

interface Received {
  eventId: string;
  type: string;
  status: string | null;
}

function subscribe(app: TestApp, token: string, id: string, lastEventId?: string) {
  const received: Received[] = [];
  let fail: (err: unknown) => void = () => undefined;
  let start: () => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const started = new Promise<void>((resolve) => (start = resolve));
  const sub = app.client(token).orders.onStatusChange.subscribe(
    { id, lastEventId },
    { onData: (event) => received.push(event.data), onError: (err) => fail(err), onStarted: () => start() },
  );
  const until = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while (received.length < n && Date.now() < deadline) await Promise.race([new Promise((r) => setTimeout(r, 25)), failed]);
    return received;
  };
  return { received, until, unsubscribe: () => sub.unsubscribe(), failed, started };
}

it('delivers, in order, to a subscriber on one instance the changes made through another', async () => {
  const order = await placeOrder(a, vendor.vendorId!);
  // The creation event goes out before anyone watches; the watcher then sees only what follows.
  for (let i = 0; i < 100 && !(await allDispatched(order.id)); i++) await new Promise((r) => setTimeout(r, 50));
  const watcher = subscribe(b, order.buyer.token, order.id);
  await watcher.started;

  await act(a, order.buyer.token, order.id, 'pay', { paymentToken: 'tok_visa' });
  await act(a, vendor.token, order.id, 'packing');
  await act(a, vendor.token, order.id, 'ship', { carrier: 'BlueDart' });
  await act(a, vendor.token, order.id, 'deliver', { otp: (await deliveryOtp(a, order.id)) ?? undefined });

  const events = await watcher.until(5);
  watcher.unsubscribe();
  expect(events.map((e) => [e.type, e.status])).toEqual([
    ['order.confirmed', 'CONFIRMED'],
    ['order.packing', 'PACKING'],
    ['order.shipped', 'SHIPPED'],
    ['order.delivered', 'DELIVERED'],
    ['payout.released', 'DELIVERED'],
  ]);
  expect(events.map((e) => e.eventId)).toEqual([...events.map((e) => e.eventId)].sort());

  // A client that reconnects with the last id it saw gets what it missed, and nothing twice.
  const resumed = subscribe(a, order.buyer.token, order.id, events[1]!.eventId);
  const replay = await resumed.until(3);
  resumed.unsubscribe();
  expect(replay.map((e) => e.status)).toEqual(['SHIPPED', 'DELIVERED', 'DELIVERED']);
});

it('lets only those who may see the order subscribe', async () => {
  const order = await placeOrder(a, vendor.vendorId!);
  const stranger = await a.makeUser('customer');
  const watcher = subscribe(b, stranger.token, order.id);
  const err = await watcher.failed.catch((e: unknown) => e);
  watcher.unsubscribe();
  expect(getProblem(err, 'NOT_FOUND')).toBeDefined();
});

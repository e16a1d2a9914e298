import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProblem } from '@frookoon/sdk';
import { bearer, jsonPost, startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { makeVendor } from '../../../test/support/fixtures';
import { placeOrder, type PlacedOrder } from '../../../test/support/lifecycle';

let app: TestApp;
let vendor: TestUser;
beforeAll(async () => {
  app = await startTestApp({ STREAMS_PER_USER: '2', STREAM_MAX_SECONDS: '2', STREAM_RECHECK_SECONDS: '0.2' });
  ({ vendor } = await makeVendor(app));
});
afterAll(() => app.close());

type Outcome = { ended: 'complete' } | { ended: 'error'; err: unknown };

/** A live subscription through the SDK, as a browser or a Node script opens it. */
function watch(token: string, id: string) {
  let settle!: (outcome: Outcome) => void;
  let start!: () => void;
  const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
  const started = new Promise<void>((resolve) => (start = resolve));
  const sub = app.client(token).orders.onStatusChange.subscribe({ id }, {
    onStarted: () => start(),
    onComplete: () => settle({ ended: 'complete' }),
    onError: (err) => settle({ ended: 'error', err }),
  });
  return { outcome, started, stop: () => sub.unsubscribe() };
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

/** The SSE request a browser's EventSource makes, with the ticket as its connection parameter. */
const openRaw = (orderId: string, ticket: string) =>
  app.http(`/trpc/orders.onStatusChange?input=${encodeURIComponent(JSON.stringify({ json: { id: orderId } }))}` +
    `&connectionParams=${encodeURIComponent(JSON.stringify({ ticket }))}`, { headers: { accept: 'text/event-stream' } });

describe('live subscriptions', () => {
  let order: PlacedOrder;
  beforeAll(async () => {
    order = await placeOrder(app, vendor.vendorId!);
  });

  it('open with a single-use ticket: the token never travels in a URL, and no query string is logged', async () => {
    const issued = await app.http('/api/v1/auth/subscription-ticket', jsonPost({}, bearer(order.buyer.token)));
    const { ticket } = (await issued.json()) as { ticket: string };
    expect(ticket).toMatch(/^fkt_/);

    const first = await openRaw(order.id, ticket);
    expect(first.headers.get('content-type')).toContain('text/event-stream');
    const reader = first.body!.getReader();
    const opened = new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(opened).not.toContain('UNAUTHORIZED');

    const again = await openRaw(order.id, ticket);
    expect(await again.text()).toContain('UNAUTHORIZED');
    // A ticket is no token: it opens nothing else.
    expect((await app.http('/api/v1/auth/me', { headers: bearer(ticket) })).status).toBe(401);

    const live = watch(order.buyer.token, order.id);
    await within(live.started, 5_000);
    live.stop();
    const logged = JSON.stringify(app.logs);
    expect(logged).not.toContain(order.buyer.token);
    expect(logged).not.toContain(ticket);
    expect(app.logs.filter((l) => typeof (l.req as { url?: string } | undefined)?.url === 'string' && (l.req as { url: string }).url.includes('?'))).toEqual([]);
  });

  it('ends a stream when its token is revoked', async () => {
    const buyerOrder = await placeOrder(app, vendor.vendorId!);
    const live = watch(buyerOrder.buyer.token, buyerOrder.id);
    await within(live.started, 5_000);
    const revoked = Date.now();
    await app.http('/api/v1/auth/logout', { method: 'POST', headers: bearer(buyerOrder.buyer.token) });
    await within(live.outcome, 5_000);
    // Long before its two-second maximum: the token check (every 0.2 s) ended it.
    expect(Date.now() - revoked).toBeLessThan(1_200);
    live.stop();
  });

  it('ends a stream at its maximum duration', async () => {
    const live = watch(order.buyer.token, order.id);
    await within(live.started, 5_000);
    const opened = Date.now();
    await within(live.outcome, 6_000);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(1_500);
    live.stop();
  });

  it('caps the streams one user holds open', async () => {
    const held = [watch(order.buyer.token, order.id), watch(order.buyer.token, order.id)];
    await within(Promise.all(held.map((w) => w.started)), 5_000);
    const third = watch(order.buyer.token, order.id);
    const outcome = await within(third.outcome, 5_000);
    expect(outcome.ended).toBe('error');
    expect(getProblem((outcome as { err: unknown }).err)?.error_code).toBe('RATE_LIMITED');
    third.stop();
    for (const w of held) w.stop();
  });
});

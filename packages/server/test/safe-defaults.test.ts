import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '@frookoon/db';
import { MAX_BATCH_CALLS, getProblem, type ProblemDetails } from '@frookoon/sdk';
import { loadConfig } from '../src/config';
import { bearer, jsonPost, startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { invariantViolations, makeBuyer, makeProduct, makeVendor, stockOf } from '../../../test/support/fixtures';
import { act, deliveryOtp, orderIn, statusOf } from '../../../test/support/lifecycle';
import { trpcProblem } from '../../../test/support/trpc';

let app: TestApp;
let vendorId: string;
let vendor: TestUser;
let admin: TestUser;
beforeAll(async () => {
  app = await startTestApp({ MAX_PENDING_ORDERS: '3', MAX_PENDING_UNITS: '10', RATE_LOGIN_FAILURES: '1000/15m' });
  ({ vendorId, vendor } = await makeVendor(app));
  admin = await app.makeUser('admin');
});
afterAll(async () => {
  expect(await invariantViolations(app.orm.em.fork())).toEqual([]);
  await app.close();
});

const json = async <T>(res: Response | Promise<Response>): Promise<T> => (await (await res).json()) as T;
const production = { NODE_ENV: 'production', PAYMENT_GATEWAY: 'test' };

describe('demo data', () => {
  it('is seeded by default only outside production, and in production only when SEED_DEMO=true', () => {
    expect(loadConfig({}).seedDemo).toBe(true);
    expect(loadConfig({ SEED_DEMO: 'false' }).seedDemo).toBe(false);
    expect(loadConfig(production).seedDemo).toBe(false);
    expect(loadConfig({ ...production, SEED_DEMO: '' }).seedDemo).toBe(false);
    expect(loadConfig({ ...production, SEED_DEMO: 'false' }).seedDemo).toBe(false);
    expect(loadConfig({ ...production, SEED_DEMO: 'true' }).seedDemo).toBe(true);
  });

  const demoAdmins = (target: TestApp) =>
    target.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from app_user where email = ?', [DEMO_ACCOUNTS.admin]);

  it('a production start without SEED_DEMO=true has no demo admin', async () => {
    const started = await startTestApp({ ...production, SEED_DEMO: '' });
    try {
      expect(await demoAdmins(started)).toEqual([{ n: 0 }]);
      expect(started.logs.some((l) => String(l.msg).startsWith('demo'))).toBe(false);
    } finally {
      await started.close();
    }
  });

  it('a production start with SEED_DEMO=true seeds it, and never logs its password', async () => {
    const started = await startTestApp({ ...production, SEED_DEMO: 'true' });
    try {
      expect(await demoAdmins(started)).toEqual([{ n: 1 }]);
      expect(started.logs.some((l) => l.msg === 'demo accounts')).toBe(true);
      expect(JSON.stringify(started.logs)).not.toContain(DEMO_PASSWORD);
    } finally {
      await started.close();
    }
  });
});

describe('logins', () => {
  it('answer an unknown email exactly as a wrong password, in about the same time', async () => {
    const user = await app.makeUser('customer', { password: 'the real password' });
    const attempt = async (email: string) => {
      const started = performance.now();
      const res = await app.http('/api/v1/auth/login', jsonPost({ email, password: 'a wrong password' }));
      const elapsed = performance.now() - started;
      const { request_id: _id, timestamp: _at, ...body } = await json<ProblemDetails>(res);
      return { status: res.status, headers: [...res.headers.keys()].sort(), body, elapsed };
    };
    await attempt(user.email);
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      const wrong = await attempt(user.email);
      const nobody = await attempt(`nobody-${i}@example.test`);
      expect(nobody.status).toBe(401);
      expect(nobody.body).toEqual(wrong.body);
      expect(nobody.headers).toEqual(wrong.headers);
      known.push(wrong.elapsed);
      unknown.push(nobody.elapsed);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Both check one Argon2id hash of the same cost; without the dummy hash an unknown email answers many times faster.
    expect(median(unknown) / median(known)).toBeGreaterThan(0.5);
    expect(median(unknown) / median(known)).toBeLessThan(2);
  });
});

describe('tRPC batches', () => {
  const batch = (calls: number, token: string) =>
    app.http(`/trpc/${Array.from({ length: calls }, () => 'auth.me').join(',')}?batch=1`, { headers: bearer(token) });

  it(`answer ${MAX_BATCH_CALLS} calls and refuse ${MAX_BATCH_CALLS + 1} as a whole with VALIDATION_ERROR`, async () => {
    const user = await app.makeUser('customer');
    const fine = await batch(MAX_BATCH_CALLS, user.token);
    expect(fine.status).toBe(200);
    expect(await json<unknown[]>(fine)).toHaveLength(MAX_BATCH_CALLS);

    const refused = await batch(MAX_BATCH_CALLS + 1, user.token);
    expect(refused.status).toBe(400);
    const body = await json<unknown>(refused);
    const problems = (Array.isArray(body) ? body : [body]).map(trpcProblem);
    for (const p of problems) {
      expect(p).toMatchObject({ error_code: 'VALIDATION_ERROR', errors: [{ field: 'batch' }] });
      expect(p.detail).toContain(`at most ${MAX_BATCH_CALLS} calls`);
    }
  });

  it('are split by the SDK at that size, so its callers never meet the cap', async () => {
    const user = await app.makeUser('customer');
    const client = app.client(user.token);
    const answers = await Promise.all(Array.from({ length: 3 * MAX_BATCH_CALLS + 1 }, () => client.auth.me.query()));
    expect(answers.every((me) => me.id === user.id)).toBe(true);
  });
});

describe('stock hoarding', () => {
  const order = (buyer: { token: string; addressId: string }, items: { productId: string; quantity: number }[]) =>
    app.http('/api/v1/orders', jsonPost({ addressId: buyer.addressId, items }, bearer(buyer.token)));

  it("caps a customer's unpaid orders; paying or cancelling one makes room", async () => {
    const product = await makeProduct(app, vendorId, { stock: 100 });
    const buyer = await makeBuyer(app);
    const placed = [];
    for (let i = 0; i < 3; i++) placed.push(await json<{ id: string }>(order(buyer, [{ productId: product, quantity: 1 }])));
    const refused = await order(buyer, [{ productId: product, quantity: 1 }]);
    expect(refused.status).toBe(409);
    expect(await json<ProblemDetails>(refused)).toMatchObject({ error_code: 'TOO_MANY_PENDING_ORDERS', detail: expect.stringContaining('3 unpaid orders') });
    expect(await stockOf(app.orm.em.fork(), product)).toBe(97);

    expect((await act(app, buyer.token, placed[0]!.id, 'pay', { paymentToken: 'tok_visa' })).status).toBe(200);
    expect((await order(buyer, [{ productId: product, quantity: 1 }])).status).toBe(201);
    expect((await act(app, buyer.token, placed[1]!.id, 'cancel')).status).toBe(200);
    expect((await order(buyer, [{ productId: product, quantity: 1 }])).status).toBe(201);
    expect((await order(buyer, [{ productId: product, quantity: 1 }])).status).toBe(409);
  });

  it('caps the units held unpaid, over orders and checkouts alike', async () => {
    const product = await makeProduct(app, vendorId, { stock: 100 });
    const buyer = await makeBuyer(app);
    expect((await order(buyer, [{ productId: product, quantity: 8 }])).status).toBe(201);
    const refused = await order(buyer, [{ productId: product, quantity: 3 }]);
    expect(await json<ProblemDetails>(refused)).toMatchObject({ error_code: 'TOO_MANY_PENDING_ORDERS', errors: [{ field: 'items', message: expect.stringContaining('2 more units') }] });
    const err = await app.client(buyer.token).checkouts.create.mutate({ addressId: buyer.addressId, items: [{ productId: product, quantity: 3 }] }).catch((e: unknown) => e);
    expect(getProblem(err, 'TOO_MANY_PENDING_ORDERS')).toBeDefined();
    expect((await order(buyer, [{ productId: product, quantity: 2 }])).status).toBe(201);
    expect(await stockOf(app.orm.em.fork(), product)).toBe(90);
  });

  it("counts each vendor's order of a checkout", async () => {
    const other = await makeVendor(app, 'Second Orchard');
    const [mine, theirs] = [await makeProduct(app, vendorId, { stock: 10 }), await makeProduct(app, other.vendorId, { stock: 10 })];
    const buyer = await makeBuyer(app);
    expect((await order(buyer, [{ productId: mine, quantity: 1 }])).status).toBe(201);
    expect((await order(buyer, [{ productId: mine, quantity: 1 }])).status).toBe(201);
    const cart = { addressId: buyer.addressId, items: [{ productId: mine, quantity: 1 }, { productId: theirs, quantity: 1 }] };
    const refused = await app.http('/api/v1/checkouts', jsonPost(cart, bearer(buyer.token)));
    expect((await json<ProblemDetails>(refused)).error_code).toBe('TOO_MANY_PENDING_ORDERS');
    expect(await stockOf(app.orm.em.fork(), theirs)).toBe(10);
  });

  it('holds the per-line quantity limit after lines of one product are merged', async () => {
    const product = await makeProduct(app, vendorId, { stock: 5000 });
    const buyer = await makeBuyer(app);
    const items = [{ productId: product, quantity: 600 }, { productId: product, quantity: 600 }];
    const refused = await order(buyer, items);
    expect(refused.status).toBe(400);
    expect(await json<ProblemDetails>(refused)).toMatchObject({ error_code: 'VALIDATION_ERROR', errors: [{ field: 'items.0.quantity', message: expect.stringContaining('1200') }] });
    const checkout = await app.http('/api/v1/checkouts', jsonPost({ addressId: buyer.addressId, items }, bearer(buyer.token)));
    expect((await json<ProblemDetails>(checkout)).errors).toEqual([expect.objectContaining({ field: 'items.0.quantity' })]);
    expect(await stockOf(app.orm.em.fork(), product)).toBe(5000);
  });
});

describe('delivery codes', () => {
  const wrongCode = (otp: string | null, n = 1) => String((Number(otp) + n) % 1_000_000).padStart(6, '0');

  it('lock after 5 wrong tries, even with the right code, until an admin reissues one', async () => {
    const order = await orderIn(app, vendor, 'SHIPPED');
    const otp = await deliveryOtp(app, order.id);
    for (let i = 1; i <= 5; i++) {
      const res = await act(app, vendor.token, order.id, 'deliver', { otp: wrongCode(otp, i) });
      expect(await json<ProblemDetails>(res)).toMatchObject({ error_code: 'INVALID_DELIVERY_OTP', errors: [{ field: 'otp' }] });
    }
    const locked = await act(app, vendor.token, order.id, 'deliver', { otp });
    expect(locked.status).toBe(409);
    expect(await json<ProblemDetails>(locked)).toMatchObject({ error_code: 'DELIVERY_OTP_LOCKED', detail: expect.stringContaining('admin') });
    expect(await statusOf(app, order.id)).toBe('SHIPPED');

    for (const token of [vendor.token, order.buyer.token]) {
      expect((await app.http(`/api/v1/orders/${order.id}/otp`, { method: 'POST', headers: bearer(token) })).status).toBe(403);
    }
    const reissued = await app.http(`/api/v1/orders/${order.id}/otp`, { method: 'POST', headers: bearer(admin.token) });
    expect(reissued.status).toBe(200);
    expect(await json<{ status: string; deliveryOtp: string | null }>(reissued)).toMatchObject({ status: 'SHIPPED', deliveryOtp: null });
    const fresh = await json<{ deliveryOtp: string }>(app.http(`/api/v1/orders/${order.id}`, { headers: bearer(order.buyer.token) }));
    expect(fresh.deliveryOtp).toMatch(/^\d{6}$/);
    expect(fresh.deliveryOtp).toBe(await deliveryOtp(app, order.id));

    expect((await json<ProblemDetails>(act(app, vendor.token, order.id, 'deliver', { otp: wrongCode(fresh.deliveryOtp) }))).detail).toContain('4 tries left');
    expect((await act(app, vendor.token, order.id, 'deliver', { otp: fresh.deliveryOtp })).status).toBe(200);
    expect(await statusOf(app, order.id)).toBe('DELIVERED');
  });

  it('count wrong tries made at once exactly', async () => {
    const order = await orderIn(app, vendor, 'SHIPPED');
    const otp = await deliveryOtp(app, order.id);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => json<ProblemDetails>(act(app, vendor.token, order.id, 'deliver', { otp: wrongCode(otp, i + 1) }))));
    const codes = answers.map((p) => p.error_code).sort();
    expect(codes).toEqual([...Array(5).fill('DELIVERY_OTP_LOCKED'), ...Array(5).fill('INVALID_DELIVERY_OTP')]);
  });

  it('are reissued only for shipped orders, over tRPC as well', async () => {
    const order = await orderIn(app, vendor, 'PACKING');
    const err = await app.client(admin.token).orders.reissueOtp.mutate({ id: order.id }).catch((e: unknown) => e);
    expect(getProblem(err, 'INVALID_STATUS_TRANSITION')).toBeDefined();
  });
});

describe('auth.logoutAll', () => {
  it("revokes every token of the caller and no one else's", async () => {
    const user = await app.makeUser('customer', { password: 'my own password' });
    const other = await app.makeUser('customer');
    const more = await Promise.all([1, 2].map(async () => (await json<{ token: string }>(app.http('/api/v1/auth/login', jsonPost({ email: user.email, password: 'my own password' })))).token));
    const me = (token: string) => app.http('/api/v1/auth/me', { headers: bearer(token) });

    const res = await app.http('/api/v1/auth/logout-all', { method: 'POST', headers: bearer(more[0]!) });
    expect(await json(res)).toEqual({ revoked: 3 });
    for (const token of [user.token, ...more]) expect((await me(token)).status).toBe(401);
    expect((await me(other.token)).status).toBe(200);

    expect(await app.client(other.token).auth.logoutAll.mutate()).toEqual({ revoked: 1 });
    expect((await me(other.token)).status).toBe(401);
  });
});

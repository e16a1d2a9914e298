import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProblem, type ProblemDetails } from '@frookoon/sdk';
import { bearer, jsonPost, startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { invariantViolations, makeBuyer, makeProduct, makeVendor } from '../../../test/support/fixtures';

/** The app of this file: small limits, and X-Forwarded-For believed from the loopback proxy the tests play. */
let app: TestApp;
let vendorId: string;
beforeAll(async () => {
  app = await startTestApp({ RATE_LOGIN_FAILURES: '3/15m', RATE_REGISTRATIONS: '2/1h', RATE_ORDERS: '3/1m', TRUST_PROXY: 'loopback' });
  ({ vendorId } = await makeVendor(app));
});
afterAll(() => app.close());

const problem = async (res: Response) => (await res.json()) as ProblemDetails;
const from = (ip: string) => ({ 'x-forwarded-for': ip });
const login = (target: TestApp, email: string, password: string, headers: Record<string, string> = {}) =>
  target.http('/api/v1/auth/login', jsonPost({ email, password }, headers));
const order = async (target: TestApp, buyer: TestUser & { addressId: string }, productId: string) =>
  target.http('/api/v1/orders', jsonPost({ addressId: buyer.addressId, items: [{ productId, quantity: 1 }] }, bearer(buyer.token)));

async function expectRateLimited(res: Response, windowSeconds: number): Promise<ProblemDetails> {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  const body = await problem(res);
  expect(body).toMatchObject({ error_code: 'RATE_LIMITED', status: 429, retryable: true, retryAfter });
  return body;
}

describe('failed logins', () => {
  it('stops a password guesser with 429 and Retry-After, even when the next guess is right', async () => {
    const user = await app.makeUser('customer', { password: 'the real password' });
    for (const [i, guess] of ['guess one', 'guess two', 'guess three'].entries()) {
      expect((await login(app, user.email, guess, from(`203.0.113.${i + 1}`))).status).toBe(401);
    }
    // Counted per account: a fourth address gets no fresh tries.
    await expectRateLimited(await login(app, user.email, 'guess four', from('203.0.113.4')), 15 * 60);
    await expectRateLimited(await login(app, user.email, 'the real password', from('203.0.113.5')), 15 * 60);
  });

  it('counts per client address too, across accounts, unknown ones included', async () => {
    for (const n of [1, 2, 3]) expect((await login(app, `nobody-${n}@example.test`, 'some guess', from('198.51.100.7'))).status).toBe(401);
    const refused = await expectRateLimited(await login(app, 'nobody-4@example.test', 'some guess', from('198.51.100.7')), 15 * 60);
    expect(refused.detail).toMatch(/failed logins/);
    expect((await login(app, 'nobody-4@example.test', 'some guess', from('198.51.100.8'))).status).toBe(401);
  });

  it('does not count logins that succeed', async () => {
    const user = await app.makeUser('customer', { password: 'a good password' });
    for (let i = 0; i < 5; i++) expect((await login(app, user.email, 'a good password', from('192.0.2.10'))).status).toBe(200);
  });

  it('believes X-Forwarded-For only when TRUST_PROXY says so', async () => {
    const direct = await startTestApp({ RATE_LOGIN_FAILURES: '2/15m' }, app.db);
    try {
      for (const n of [1, 2]) expect((await login(direct, `spoof-${n}@example.test`, 'x', from(`10.9.9.${n}`))).status).toBe(401);
      await expectRateLimited(await login(direct, 'spoof-3@example.test', 'x', from('10.9.9.3')), 15 * 60);
    } finally {
      await direct.close();
    }
  });

  it('answers RATE_LIMITED with retryAfter over tRPC as well', async () => {
    const client = app.client();
    const address = 'trpc-guess@example.test';
    for (let i = 0; i < 3; i++) await client.auth.login.mutate({ email: address, password: 'wrong' }).catch(() => undefined);
    const err = await client.auth.login.mutate({ email: address, password: 'wrong' }).catch((e: unknown) => e);
    expect(getProblem(err, 'RATE_LIMITED')).toMatchObject({ status: 429, retryable: true, retryAfter: expect.any(Number) });
  });
});

describe('registrations', () => {
  it('allows RATE_REGISTRATIONS per client address', async () => {
    const register = (n: number, ip: string) =>
      app.http('/api/v1/auth/register', jsonPost({ email: `signup-${n}@example.test`, password: 'a long password', name: 'S' }, from(ip)));
    expect((await register(1, '192.0.2.50')).status).toBe(200);
    expect((await register(2, '192.0.2.50')).status).toBe(200);
    await expectRateLimited(await register(3, '192.0.2.50'), 3600);
    expect((await register(3, '192.0.2.51')).status).toBe(200);
  });
});

describe('order and checkout creation', () => {
  it('allows RATE_ORDERS per token, orders and checkouts together', async () => {
    const product = await makeProduct(app, vendorId, { stock: 100 });
    const buyer = await makeBuyer(app);
    expect((await order(app, buyer, product)).status).toBe(201);
    expect((await order(app, buyer, product)).status).toBe(201);
    const checkout = await app.http('/api/v1/checkouts', jsonPost({ addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }] }, bearer(buyer.token)));
    expect(checkout.status).toBe(201);
    await expectRateLimited(await order(app, buyer, product), 60);
    const err = await app.client(buyer.token).checkouts.create.mutate({ addressId: buyer.addressId, items: [{ productId: product, quantity: 1 }] }).catch((e: unknown) => e);
    expect(getProblem(err, 'RATE_LIMITED')?.retryAfter).toBeGreaterThanOrEqual(1);
    // Another customer's token has its own count.
    expect((await order(app, await makeBuyer(app), product)).status).toBe(201);
    expect(await invariantViolations(app.orm.em.fork())).toEqual([]);
  });

  it('refuses a token over its limit from memory, writing nothing, for the rest of its window', async () => {
    const product = await makeProduct(app, vendorId, { stock: 100 });
    const buyer = await makeBuyer(app);
    for (let i = 0; i < 3; i++) expect((await order(app, buyer, product)).status).toBe(201);
    const counted = async () =>
      (await app.orm.em.fork().execute<{ points: number }[]>(
        "select r.points from rate_limit r join api_token t on r.key = 'orders:' || t.token_hash where t.user_id = ?",
        [buyer.id],
      ))[0]!.points;
    await expectRateLimited(await order(app, buyer, product), 60);
    expect(await counted()).toBe(4);
    // Refused again from memory: the count in the database stays where the first refusal left it.
    for (let i = 0; i < 3; i++) await expectRateLimited(await order(app, buyer, product), 60);
    expect(await counted()).toBe(4);
    const placed = await app.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from customer_order where customer_id = ?', [buyer.id]);
    expect(placed[0]!.n).toBe(3);
  });

  it('lets 100 customers place 2 orders each, all at once, under the default limits', async () => {
    const open = await startTestApp({ DB_POOL_MAX: '20' }, app.db);
    try {
      const product = await makeProduct(open, vendorId, { stock: 1000 });
      const crowd = await Promise.all(Array.from({ length: 100 }, () => makeBuyer(open)));
      const responses = await Promise.all(crowd.flatMap((buyer) => [order(open, buyer, product), order(open, buyer, product)]));
      const refused = await Promise.all(responses.filter((r) => r.status !== 201).map(problem));
      expect(refused).toEqual([]);
      const counted = await open.orm.em.fork().execute<{ n: number }[]>(
        "select count(*)::int as n from rate_limit where key like 'orders:%' and points = 2",
      );
      expect(counted[0]!.n).toBeGreaterThanOrEqual(100);
    } finally {
      await open.close();
    }
  });

  it('is one limit for every instance sharing the database', async () => {
    const env = { RATE_ORDERS: '4/1m', RATE_LOGIN_FAILURES: '3/15m', TRUST_PROXY: 'loopback' };
    const [first, second] = [await startTestApp(env, app.db), await startTestApp(env, app.db)];
    try {
      const product = await makeProduct(first, vendorId, { stock: 100 });
      const buyer = await makeBuyer(first);
      for (const instance of [first, second, first, second]) expect((await order(instance, buyer, product)).status).toBe(201);
      await expectRateLimited(await order(first, buyer, product), 60);
      await expectRateLimited(await order(second, buyer, product), 60);

      const user = await first.makeUser('customer', { password: 'the real password' });
      for (const instance of [first, second, first]) expect((await login(instance, user.email, 'a guess', from('192.0.2.77'))).status).toBe(401);
      await expectRateLimited(await login(second, user.email, 'another guess', from('192.0.2.78')), 15 * 60);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('counts nothing with RATE_LIMITS=off', async () => {
    const unlimited = await startTestApp({ RATE_LIMITS: 'off', RATE_ORDERS: '1/1m' }, app.db);
    try {
      const product = await makeProduct(unlimited, vendorId, { stock: 100 });
      const buyer = await makeBuyer(unlimited);
      for (let i = 0; i < 4; i++) expect((await order(unlimited, buyer, product)).status).toBe(201);
      const counted = await unlimited.orm.em.fork().execute<{ n: number }[]>(
        "select count(*)::int as n from rate_limit r join api_token t on r.key = 'orders:' || t.token_hash where t.user_id = ?",
        [buyer.id],
      );
      expect(counted[0]!.n).toBe(0);
    } finally {
      await unlimited.close();
    }
  });
});

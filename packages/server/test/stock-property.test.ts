import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ProblemDetails } from '@frookoon/sdk';
import { bearer, jsonPost, startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { invariantViolations, makeBuyer, makeProduct, makeVendor, stockOf } from '../../../test/support/fixtures';

let app: TestApp;
let vendorId: string;
let vendor: TestUser;
let buyers: Awaited<ReturnType<typeof makeBuyer>>[];
beforeAll(async () => {
  app = await startTestApp({ DB_POOL_MAX: '12' });
  ({ vendorId, vendor } = await makeVendor(app));
  buyers = await Promise.all(Array.from({ length: 8 }, () => makeBuyer(app)));
});
afterAll(() => app.close());

const PRODUCTS = 3;
const ZOrderOp = fc.record({
  kind: fc.constant('order' as const),
  buyer: fc.nat({ max: 7 }),
  lines: fc.array(fc.record({ product: fc.nat({ max: PRODUCTS - 1 }), quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 4 }),
});
const ZAdjustOp = fc.record({
  kind: fc.constant('adjust' as const),
  product: fc.nat({ max: PRODUCTS - 1 }),
  delta: fc.integer({ min: -5, max: 6 }).filter((d) => d !== 0),
});
const ZScenario = fc.record({
  initial: fc.array(fc.nat({ max: 8 }), { minLength: PRODUCTS, maxLength: PRODUCTS }),
  ops: fc.array(fc.oneof(ZOrderOp, ZAdjustOp), { minLength: 5, maxLength: 25 }),
});

it('keeps stock equal to its ledger, never negative, and every order whole, under random concurrent mixes', async () => {
  await fc.assert(
    fc.asyncProperty(ZScenario, async ({ initial, ops }) => {
      const products = await Promise.all(initial.map((stock) => makeProduct(app, vendorId, { stock })));
      const responses = await Promise.all(
        ops.map((op) =>
          op.kind === 'order'
            ? app.http('/api/v1/orders', jsonPost(
                { addressId: buyers[op.buyer]!.addressId, items: op.lines.map((l) => ({ productId: products[l.product]!, quantity: l.quantity })) },
                bearer(buyers[op.buyer]!.token),
              ))
            : app.http(`/api/v1/stock/${products[op.product]}/adjust`, jsonPost({ delta: op.delta, reason: 'property' }, bearer(vendor.token))),
        ),
      );
      const expected = [...initial];
      for (const [i, res] of responses.entries()) {
        const op = ops[i]!;
        if (res.ok) {
          await res.body?.cancel();
          if (op.kind === 'order') for (const l of op.lines) expected[l.product]! -= l.quantity;
          else expected[op.product]! += op.delta;
        } else {
          const problem = (await res.json()) as ProblemDetails;
          expect(['INSUFFICIENT_STOCK', 'CONCURRENT_ORDER_CONFLICT']).toContain(problem.error_code);
        }
      }
      const em = app.orm.em.fork();
      for (const [i, id] of products.entries()) expect(await stockOf(em, id)).toBe(expected[i]);
      expect(await invariantViolations(em)).toEqual([]);
    }),
    { numRuns: 12 },
  );
});

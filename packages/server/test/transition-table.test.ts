import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STATUSES, type OrderStatus, type ProblemDetails } from '@frookoon/sdk';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app';
import { invariantViolations, makeVendor } from '../../../test/support/fixtures';
import { act, deliveryOtp, orderIn, statusOf } from '../../../test/support/lifecycle';

/**
 * DESIGN §5, written out by hand (not read from the shared table, which is what is under test):
 * the (from, action, role) combinations that are allowed, and where each leads.
 */
const ALLOWED: Record<string, OrderStatus> = {
  'PENDING pay customer': 'CONFIRMED',
  'PENDING cancel customer': 'CANCELLED',
  'PENDING cancel admin': 'CANCELLED',
  'CONFIRMED startPacking vendor': 'PACKING',
  'CONFIRMED startPacking admin': 'PACKING',
  'CONFIRMED cancel customer': 'CANCELLED',
  'CONFIRMED cancel vendor': 'CANCELLED',
  'CONFIRMED cancel admin': 'CANCELLED',
  'PACKING cancel customer': 'CANCELLED',
  'PACKING cancel vendor': 'CANCELLED',
  'PACKING cancel admin': 'CANCELLED',
  'PACKING ship vendor': 'SHIPPED',
  'PACKING ship admin': 'SHIPPED',
  'SHIPPED deliver vendor': 'DELIVERED',
  'SHIPPED deliver admin': 'DELIVERED',
};
/** Roles that may never take an action, whatever the status: FORBIDDEN rather than a status conflict. */
const NEVER: Record<string, string[]> = {
  pay: ['vendor', 'admin'],
  startPacking: ['customer'],
  ship: ['customer'],
  deliver: ['customer'],
  cancel: [],
};
const ACTIONS = { pay: 'pay', cancel: 'cancel', startPacking: 'packing', ship: 'ship', deliver: 'deliver' } as const;
const ROLES = ['customer', 'vendor', 'admin'] as const;

let app: TestApp;
let vendor: TestUser;
let admin: TestUser;
beforeAll(async () => {
  app = await startTestApp();
  ({ vendor } = await makeVendor(app));
  admin = await app.makeUser('admin');
});
afterAll(async () => {
  expect(await invariantViolations(app.orm.em.fork())).toEqual([]);
  await app.close();
});

const cases = ORDER_STATUSES.flatMap((from) =>
  Object.keys(ACTIONS).flatMap((action) => ROLES.map((role) => [from, action, role] as [OrderStatus, keyof typeof ACTIONS, (typeof ROLES)[number]])),
);

describe('every (from, action, role) combination', () => {
  it.each(cases)('%s: %s by %s', async (from, action, role) => {
    const order = await orderIn(app, vendor, from);
    const token = role === 'customer' ? order.buyer.token : role === 'vendor' ? vendor.token : admin.token;
    const body: Record<string, unknown> = { paymentToken: 'tok_visa', carrier: 'BlueDart', reason: 'table test' };
    if (action === 'deliver') {
      const otp = await deliveryOtp(app, order.id);
      if (otp) body.otp = otp;
    }
    const res = await act(app, token, order.id, ACTIONS[action], body);
    const expected = ALLOWED[`${from} ${action} ${role}`];
    if (expected) {
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await statusOf(app, order.id)).toBe(expected);
    } else {
      const problem = (await res.json()) as ProblemDetails;
      if (NEVER[action]!.includes(role)) expect(problem).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
      else expect(problem).toMatchObject({ status: 409, error_code: 'INVALID_STATUS_TRANSITION' });
      expect(await statusOf(app, order.id)).toBe(from);
    }
  });
});

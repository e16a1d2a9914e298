import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { makeVendor } from '../../../test/support/fixtures';
import { act, orderIn } from '../../../test/support/lifecycle';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/** `pnpm check:invariants` as an operator runs it, against the test's database. */
async function checkInvariants(): Promise<{ code: number; out: string }> {
  return run('pnpm', ['--silent', 'check:invariants'], { cwd: repoRoot, env: { ...process.env, DATABASE_URL: app.db.url } }).then(
    ({ stdout }) => ({ code: 0, out: stdout }),
    (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
  );
}

it('prints every invariant it checked, and exits 1 naming each one that is violated', async () => {
  const { vendor } = await makeVendor(app);
  const delivered = await orderIn(app, vendor, 'DELIVERED');
  const refunded = await orderIn(app, vendor, 'CONFIRMED');
  await act(app, refunded.buyer.token, refunded.id, 'cancel');

  const sound = await checkInvariants();
  expect(sound.out).toContain('All invariants hold.');
  expect(sound.code).toBe(0);
  const checked = sound.out.split('\n').filter((l) => l.startsWith('ok  '));
  expect(checked.length).toBeGreaterThanOrEqual(13);

  const em = app.orm.em.fork();
  // A unit of stock that appears in the ledger but not on the shelf, and a status change with no history row.
  await em.execute("insert into stock_movement (id, product_id, order_id, kind, delta, actor_id, at) values (gen_random_uuid(), ?, null, 'restock', 1, null, now())", [delivered.products[0]]);
  await em.execute("update customer_order set status = 'SHIPPED' where id = ?", [refunded.id]);

  const broken = await checkInvariants();
  expect(broken.code).toBe(1);
  expect(broken.out).toMatch(/^FAIL {2}stock equals the sum of its ledger \(1\)$/m);
  expect(broken.out).toMatch(/^FAIL {2}every order has a complete history from creation to its status \(1\)$/m);
  expect(broken.out).toMatch(/^FAIL {2}a cancelled paid order is refunded, and only a cancelled one \(1\)$/m);
  expect(broken.out).toContain(`order ${refunded.id}`);
  expect(broken.out).toMatch(/invariant\(s\) violated\.$/m);
}, 60_000);

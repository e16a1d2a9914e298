import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { indexedGenericPlans, initOrm, loadOrderInputs, statement, takeDispatcherTurn, undispatchedSteps, withSql } from '@frookoon/db';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';

const NOBODY = '00000000-0000-7000-8000-000000000000';
/** The plan the connection now uses for the order inputs, whatever their values (its prepared statement's). */
const EXPLAIN_ORDER_INPUTS = statement('probe_explain_order_inputs', `explain execute frookoon_order_inputs('${NOBODY}', '${NOBODY}', '{${NOBODY}}')`);

const EXPLAIN_UNDISPATCHED = statement('probe_explain_undispatched', 'explain execute frookoon_undispatched_events(200)');

let db: TestDatabase;
let orm: MikroORM;
beforeAll(async () => {
  db = await createTestDatabase();
  orm = await initOrm({ url: db.url, poolMax: 1 });
});
afterAll(async () => {
  await orm.close(true);
  await db.drop();
});

it('reads an order’s inputs through indexes with a plan made once, though the tables were empty when it was made', () =>
  withSql(orm.em.fork(), async (sql) => {
    const inputs = await loadOrderInputs(sql, NOBODY, NOBODY, [NOBODY]);
    expect(inputs).toEqual({ addressOk: false, pending: { orders: 0, units: 0 }, products: [], alongResults: [] });
    const [, explained] = await sql.batch([indexedGenericPlans, { statement: EXPLAIN_ORDER_INPUTS, values: [] }]);
    const plan = explained!.rows.map((row) => String(row['QUERY PLAN'])).join('\n');
    // A generic plan compares with the parameters rather than the values it was first run with.
    expect(plan).toMatch(/\$2/);
    expect(plan).toMatch(/Index (Only )?Scan/);
    expect(plan).not.toMatch(/Seq Scan/);
  }));

it('reads the undispatched events by walking their partial index in id order, which marks the entries of dispatched ones dead', () =>
  withSql(orm.em.fork(), async (sql) => {
    expect(await takeDispatcherTurn(sql, 200)).toEqual([]);
    const [orderedScan] = undispatchedSteps(200);
    const [, explained] = await sql.batch([orderedScan, { statement: EXPLAIN_UNDISPATCHED, values: [] }]);
    const plan = explained!.rows.map((row) => String(row['QUERY PLAN'])).join('\n');
    // A plain index scan kills the entries it finds dead; a bitmap scan would read them again on every run.
    expect(plan).toMatch(/Index Scan using outbox_event_undispatched_idx/);
    expect(plan).not.toMatch(/Bitmap|Seq Scan|Sort/);
  }));

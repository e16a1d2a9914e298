import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { inSqlTransaction, initOrm, poolQuery, statement, withSql } from '@frookoon/db';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';

const SET_LOCK_TIMEOUT = statement('probe_lock_timeout', "select set_config('lock_timeout', $1, true) as set");
const READ_LOCK_TIMEOUT = statement('probe_read_lock_timeout', "select current_setting('lock_timeout') as value");
const INSERT = statement('probe_insert', 'insert into batch_probe (id, at) values ($1, $2)');
const READ = statement('probe_read', 'select id, at from batch_probe where id = any($1::int[]) order by id');
/** Statements first sent in a batch that fails between them: the one before the failure is prepared, the one after is not. */
/** Statements only the test of row shapes sends, so that no earlier batch has described them. */
const SHAPE_SETTING = statement('probe_shape_setting', "select current_setting('lock_timeout') as value");
const SHAPE_READ = statement('probe_shape_read', 'select id, at from batch_probe where id = any($1::int[]) order by id');
const COUNT_BEFORE = statement('probe_count_before', 'select count(*)::int as n from batch_probe where id >= $1');
const INSERT_AFTER = statement('probe_insert_after', 'insert into batch_probe (id, at) values ($1, $2)');

let db: TestDatabase;
const orms: MikroORM[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
  const orm = await initOrm({ url: db.url });
  orms.push(orm);
  await orm.em.getConnection().execute('create table batch_probe (id int primary key, at timestamptz not null)');
});
afterAll(async () => {
  for (const orm of orms) await orm.close(true);
  await db.drop();
});

describe.each([
  { prepared: true, base: 100 },
  { prepared: false, base: 200 },
])('a batch, prepared statements $prepared', ({ prepared, base }) => {
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await initOrm({ url: db.url, preparedStatements: prepared, poolMax: 1 });
    orms.push(orm);
  });

  it('runs its steps in one transaction: a local setting holds for the later steps and ends with the batch', () =>
    withSql(orm.em.fork(), async (sql) => {
      const at = new Date('2026-01-02T03:04:05.678Z');
      const results = await sql.batch([
        { statement: SET_LOCK_TIMEOUT, values: ['1234ms'] },
        { statement: READ_LOCK_TIMEOUT, values: [] },
        { statement: INSERT, values: [base + 1, at] },
        { statement: READ, values: [[base + 1]] },
      ]);
      expect(results.map((r) => r.rowCount)).toEqual([1, 1, 1, 1]);
      expect(results[1]!.rows).toEqual([{ value: '1234ms' }]);
      expect(results[3]!.rows).toEqual([{ id: base + 1, at }]);
      expect(await sql.query(READ_LOCK_TIMEOUT, [])).not.toEqual([{ value: '1234ms' }]);
    }));

  it('asks for the shape of a prepared statement’s rows once per connection, and reads them alike without it', async () => {
    const em = orm.em.fork();
    // The pool's one connection: count the RowDescription messages PostgreSQL sends it.
    const pool = em.getKnex().client as unknown as { acquireConnection(): Promise<{ connection: { on(e: string, f: () => void): void } }>; releaseConnection(c: unknown): Promise<void> };
    const connection = await pool.acquireConnection();
    let described = 0;
    connection.connection.on('rowDescription', () => described++);
    await pool.releaseConnection(connection);
    const at = new Date('2026-02-03T04:05:06.789Z');
    const batch = (id: number) =>
      withSql(em, (sql) =>
        sql.batch([
          { statement: INSERT, values: [id, at] },
          { statement: SHAPE_SETTING, values: [] },
          { statement: SHAPE_READ, values: [[id]] },
        ]),
      );
    // Ids below those the other tests count.
    const first = await batch(base - 50);
    const firstDescribed = described;
    const second = await batch(base - 49);
    expect(first.map((r) => r.rows)).toEqual([[], [{ value: expect.any(String) }], [{ id: base - 50, at }]]);
    expect(second.map((r) => r.rows)).toEqual([[], first[1]!.rows, [{ id: base - 49, at }]]);
    expect(firstDescribed).toBe(2);
    expect(described - firstDescribed).toBe(prepared ? 0 : 2);
  });

  it('keeps nothing of a batch whose step fails, skips the steps after it, and prepares only once what went through', () =>
    withSql(orm.em.fork(), async (sql) => {
      const at = new Date();
      await sql.batch([{ statement: INSERT, values: [base + 2, at] }]);
      for (let attempt = 0; attempt < 2; attempt++) {
        await expect(
          sql.batch([
            { statement: INSERT, values: [base + 3, at] },
            { statement: COUNT_BEFORE, values: [base] },
            { statement: INSERT, values: [base + 2, at] },
            { statement: INSERT_AFTER, values: [base + 4, at] },
          ]),
        ).rejects.toMatchObject({ code: '23505' });
      }
      const after = await sql.batch([
        { statement: INSERT_AFTER, values: [base + 5, at] },
        { statement: COUNT_BEFORE, values: [base + 2] },
        { statement: READ, values: [[base + 2, base + 3, base + 4, base + 5]] },
      ]);
      expect(after[1]!.rows).toEqual([{ n: 2 }]);
      expect(after[2]!.rows.map((r) => r.id)).toEqual([base + 2, base + 5]);
    }));

  it('answers a value it cannot send with an error, and the connection goes on', () =>
    withSql(orm.em.fork(), async (sql) => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expect(sql.batch([{ statement: INSERT, values: [base + 6, circular] }])).rejects.toThrow(/circular/i);
      expect(await sql.query(READ_LOCK_TIMEOUT, [])).toHaveLength(1);
    }));

  it('inside an open transaction is part of it', async () => {
    const at = new Date();
    await expect(
      inSqlTransaction(orm.em.fork(), { lockTimeoutMs: 1000 }, async (sql) => {
        await sql.batch([{ statement: INSERT, values: [base + 7, at] }]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await withSql(orm.em.fork(), (sql) => sql.query(READ, [[base + 7]]))).toEqual([]);
  });

  it('runs a library’s own statement (the rate limiter’s) as one, committed without waiting for the disk', async () => {
    const query = poolQuery(orm);
    const probe = { name: `probe_pool_query_${base}`, text: "select current_setting('synchronous_commit') as commit, $1::int as n", values: [base] };
    expect(await query(probe)).toEqual({ rows: [{ commit: 'off', n: base }], rowCount: 1 });
    expect(await query(probe)).toEqual({ rows: [{ commit: 'off', n: base }], rowCount: 1 });
    // The setting lasts only as long as the statement's own transaction.
    expect(await withSql(orm.em.fork(), (sql) => sql.query(statement('probe_commit_after', "select current_setting('synchronous_commit') as commit"), []))).toEqual([{ commit: 'on' }]);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm, migrate, migrationsList, seedDemoData, DEMO_ACCOUNTS, Product, Stock, StockMovement, User } from '@frookoon/db';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../../../test/support/database';

const dropped: TestDatabase[] = [];
afterAll(async () => {
  for (const db of dropped) await db.drop();
});

/** Runs `fn` with an ORM on a database of its own: migrated (a template clone), or empty. */
async function withDatabase(kind: 'migrated' | 'empty', fn: (orm: MikroORM) => Promise<void>): Promise<void> {
  const db = kind === 'migrated' ? await createTestDatabase() : await createEmptyDatabase();
  dropped.push(db);
  const orm = await initOrm({ url: db.url });
  try {
    await fn(orm);
  } finally {
    await orm.close(true);
  }
}

describe('migrations', () => {
  it('apply to an empty database, leave nothing pending, and match the entities', () =>
    withDatabase('empty', async (orm) => {
      const applied = await migrate(orm);
      expect(applied).toEqual(migrationsList.map((m) => m.name));
      expect(await migrate(orm)).toEqual([]);
      const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
      const checks = await orm.em.getConnection().execute<{ conname: string }[]>(
        "select conname from pg_constraint where conname in ('stock_quantity_check', 'stock_movement_order_product_kind_unique')",
      );
      expect(checks.map((c) => c.conname).sort()).toEqual(['stock_movement_order_product_kind_unique', 'stock_quantity_check']);
    }));
});

describe('append-only records', () => {
  it('refuses to change or delete ledger and history rows', () =>
    withDatabase('migrated', async (orm) => {
      await seedDemoData(orm.em.fork(), 'x');
      const em = orm.em.fork();
      await expect(em.execute('update stock_movement set delta = delta + 1')).rejects.toThrow(/stock_movement is append-only/);
      await expect(em.execute('delete from stock_movement')).rejects.toThrow(/append-only/);
      await expect(em.execute('truncate stock_movement')).rejects.toThrow(/append-only/);
      await expect(em.execute('delete from order_status_history')).rejects.toThrow(/order_status_history is append-only/);
      expect(await orm.em.fork().count(StockMovement, {})).toBe(12);
    }));
});

describe('demo seed', () => {
  it('seeds an empty database once; seeding again changes nothing', () =>
    withDatabase('migrated', async (orm) => {
      const counts = async () => {
        const em = orm.em.fork();
        return {
          users: await em.count(User, {}),
          products: await em.count(Product, {}),
          stock: await em.count(Stock, {}),
          ledger: await em.count(StockMovement, {}),
        };
      };
      expect(await seedDemoData(orm.em.fork(), 'not-a-real-hash')).toEqual({ seeded: true });
      const first = await counts();
      expect(first).toEqual({ users: 3, products: 12, stock: 12, ledger: 12 });
      const emails = (await orm.em.fork().find(User, {}, { orderBy: { email: 'asc' } })).map((u) => u.email);
      expect(emails).toEqual(Object.values(DEMO_ACCOUNTS).sort());

      const again = await Promise.all([seedDemoData(orm.em.fork(), 'x'), seedDemoData(orm.em.fork(), 'x')]);
      expect(again).toEqual([{ seeded: false }, { seeded: false }]);
      expect(await counts()).toEqual(first);
    }));

  it('does not seed a database that already has users', () =>
    withDatabase('migrated', async (orm) => {
      const em = orm.em.fork();
      em.create(User, { email: 'someone@example.test', name: 'Someone', passwordHash: 'x', role: 'customer', vendor: null });
      await em.flush();
      expect(await seedDemoData(orm.em.fork(), 'x')).toEqual({ seeded: false });
      expect(await orm.em.fork().count(Product, {})).toBe(0);
    }));
});

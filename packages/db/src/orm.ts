import { defineConfig, MikroORM, PostgreSqlDriver, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { fileURLToPath } from 'node:url';
import { entities } from './entities/index';
import { migrationsList } from './migrations/index';
import { configureSql } from './sql';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

export interface OrmSettings {
  /** postgres://user:pass@host:port/db */
  url: string;
  /** Largest number of pooled connections. */
  poolMax?: number;
  /** How long a request may wait for a connection before the database counts as unavailable. */
  connectTimeoutMs?: number;
  /** Receives every SQL statement (with MikroORM's `[query]` prefix), for diagnostics and statement counts. */
  queryLogger?: (message: string) => void;
  /** Receives the query builder's own warnings (e.g. a broken connection it had to drop). */
  driverWarning?: (message: string) => void;
  /**
   * Whether the hot paths' statements are named, so that each connection prepares them once (default). Off behind a
   * transaction-mode pooler that cannot keep them (PgBouncer before 1.21).
   */
  preparedStatements?: boolean;
}

export function ormConfig(settings: OrmSettings): Options {
  const connectTimeoutMs = settings.connectTimeoutMs ?? 3000;
  const ignore = () => undefined;
  const warn = settings.driverWarning ?? ignore;
  return defineConfig({
    driver: PostgreSqlDriver,
    clientUrl: settings.url,
    entities,
    extensions: [Migrator],
    forceUtcTimezone: true,
    debug: settings.queryLogger ? ['query'] : false,
    logger: settings.queryLogger ?? ignore,
    colors: false,
    allowGlobalContext: false,
    // A flush that writes several rows does so atomically.
    implicitTransactions: true,
    pool: { min: 0, max: settings.poolMax ?? 10, acquireTimeoutMillis: connectTimeoutMs },
    driverOptions: {
      connection: {
        connectionTimeoutMillis: connectTimeoutMs,
        application_name: 'frookoon',
        // A prepared statement keeps a generic plan once it has run five times. Made while a table was still small (a
        // new deployment, a fresh benchmark), that plan goes on scanning the table however large it grows; so each
        // execution is planned for its values. Only statements with an index for every row they read ask for one generic
        // plan per connection, built without sequential scans (`genericPlans` for a locked transaction,
        // `indexedGenericPlans` for a statement of its own). Unnamed statements, without prepared statements, are
        // always planned for their values.
        ...(settings.preparedStatements === false ? {} : { options: '-c plan_cache_mode=force_custom_plan' }),
      },
      acquireConnectionTimeout: connectTimeoutMs,
      log: { warn: warn, error: warn, deprecate: ignore, debug: ignore },
    },
    migrations: {
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      migrationsList,
      snapshotName: '.snapshot-frookoon',
      transactional: true,
      silent: true,
      allOrNothing: true,
      emit: 'ts',
      fileName: (timestamp, name) => `Migration${timestamp}${name ? '_' + name : ''}`,
    },
  });
}

export async function initOrm(settings: OrmSettings): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(settings));
  configureSql(orm, { preparedStatements: settings.preparedStatements ?? true });
  return orm;
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

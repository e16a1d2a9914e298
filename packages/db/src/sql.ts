import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { ClientBase } from 'pg';
import { lockObserverOf, type LockObserver } from './lock-observer';
import { withConflictRetries, type LockedTransactionOptions } from './transaction';

/**
 * A hand-written statement of a hot path. MikroORM sends every statement as text with its values inlined, which
 * PostgreSQL parses and plans anew each time; these go as parameterised statements, prepared once per connection
 * under their name (unless prepared statements are off, as behind a transaction-mode pooler older than PgBouncer 1.21).
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

export const statement = (name: string, text: string): Statement => ({ name: `frookoon_${name}`, text });

/** Where repositories run their statements: one connection of the ORM's pool, or the one of an open transaction. */
export interface Sql {
  query<R>(statement: Statement, values: readonly unknown[]): Promise<R[]>;
  /** Rows changed by a statement with no result rows. */
  run(statement: Statement, values: readonly unknown[]): Promise<number>;
  /** Reports lock waits and retries to the server's metrics, when it listens. */
  readonly locks: LockObserver | undefined;
}

export interface SqlOptions {
  /** Name statements so that each connection prepares them once (default); off behind PgBouncer < 1.21. */
  preparedStatements: boolean;
}

const optionsByOrm = new WeakMap<object, SqlOptions>();

export function configureSql(orm: MikroORM, options: SqlOptions): void {
  optionsByOrm.set(orm.config, options);
}

/** The pool's connections are node-postgres clients; knex only leaves that out of its types. */
interface PoolClient {
  acquireConnection(): Promise<ClientBase>;
  releaseConnection(connection: ClientBase): Promise<void>;
}

const poolOf = (em: EntityManager) => em.getKnex().client as unknown as PoolClient;

function sqlOn(em: EntityManager, connection: ClientBase): Sql {
  const prepared = optionsByOrm.get(em.config)?.preparedStatements ?? true;
  const send = (s: Statement, values: readonly unknown[]) => {
    logQuery(em, s.text, values);
    return connection.query({ name: prepared ? s.name : undefined, text: s.text, values: [...values] });
  };
  return {
    locks: lockObserverOf(em),
    query: async <R>(s: Statement, values: readonly unknown[]) => (await send(s, values)).rows as R[],
    run: async (s: Statement, values: readonly unknown[]) => (await send(s, values)).rowCount ?? 0,
  };
}

/** Statements go to the ORM's query log like its own, when that log is on. */
function logQuery(em: EntityManager, text: string, values: readonly unknown[] = []): void {
  const logger = em.config.getLogger();
  if (logger.isEnabled('query')) logger.logQuery({ query: text, params: [...values], level: 'info' });
}

/** Runs `work` on one connection of the ORM's pool, given back when it ends. */
export async function withSql<T>(em: EntityManager, work: (sql: Sql) => Promise<T>): Promise<T> {
  const pool = poolOf(em);
  const connection = await pool.acquireConnection();
  try {
    return await work(sqlOn(em, connection));
  } finally {
    await pool.releaseConnection(connection);
  }
}

/** The connection of the transaction `tx` is in, for repositories called inside an ORM transaction. */
export async function sqlOf(tx: EntityManager): Promise<Sql> {
  const trx = tx.getTransactionContext<{ client: PoolClient }>();
  if (!trx) throw new Error('sqlOf needs an EntityManager inside a transaction');
  return sqlOn(tx, await trx.client.acquireConnection());
}

/**
 * Runs `work` in one transaction on a connection of the ORM's pool, `lock_timeout` (and `plan_cache_mode`) set in the
 * same round trip as `begin`, and runs it again after a deadlock, serialization failure or lock timeout, as `inLockedTransaction`
 * does. No unit of work is tracked: the hot paths write with their own statements.
 */
export async function inSqlTransaction<T>(em: EntityManager, options: LockedTransactionOptions, work: (sql: Sql) => Promise<T>): Promise<T> {
  const begin = [
    'begin',
    `set local lock_timeout = ${Math.max(1, Math.floor(options.lockTimeoutMs))}`,
    ...(options.genericPlans ? ['set local plan_cache_mode = auto'] : []),
  ].join('; ');
  const simple = (connection: ClientBase, text: string) => {
    logQuery(em, text);
    return connection.query(text);
  };
  return withConflictRetries(em, options, async () => {
    const pool = poolOf(em);
    const connection = await pool.acquireConnection();
    try {
      await simple(connection, begin);
      const result = await work(sqlOn(em, connection));
      await simple(connection, 'commit');
      return result;
    } catch (err) {
      // A connection that cannot roll back is broken: the pool drops it when it next hands it out.
      await simple(connection, 'rollback').catch(() => undefined);
      throw err;
    } finally {
      await pool.releaseConnection(connection);
    }
  });
}

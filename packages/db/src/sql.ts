import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import pg, { type ClientBase, type QueryConfig } from 'pg';
import { lockObserverOf, type LockObserver } from './lock-observer';
import { setLockTimeout, withConflictRetries, type LockedTransactionOptions } from './transaction';

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

const prepared = (em: EntityManager) => optionsByOrm.get(em.config)?.preparedStatements ?? true;

function sqlOn(em: EntityManager, connection: ClientBase): Sql {
  const named = prepared(em);
  const send = (s: Statement, values: readonly unknown[]) => {
    logQuery(em, s.text, values);
    // The ORM has its connections hand timestamps over as text; these statements read node-postgres's own types.
    return connection.query({ name: named ? s.name : undefined, text: s.text, values: [...values], types: pg.types });
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
async function onConnection<T>(em: EntityManager, work: (connection: ClientBase) => Promise<T>): Promise<T> {
  const pool = poolOf(em);
  const connection = await pool.acquireConnection();
  try {
    return await work(connection);
  } finally {
    await pool.releaseConnection(connection);
  }
}

/** Runs `work` on one connection of the ORM's pool. */
export function withSql<T>(em: EntityManager, work: (sql: Sql) => Promise<T>): Promise<T> {
  return onConnection(em, (connection) => work(sqlOn(em, connection)));
}

/**
 * A node-postgres `query` over the ORM's pool, for a library that sends its own statements (the rate limiter): each
 * on a connection of its own, and unnamed when prepared statements are off.
 */
export function poolQuery(orm: MikroORM): (config: QueryConfig) => Promise<pg.QueryResult> {
  const em = orm.em;
  return (config) => onConnection(em, (connection) => connection.query(prepared(em) ? config : { ...config, name: undefined }));
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
  const begin = ['begin', setLockTimeout(options), ...(options.genericPlans ? ['set local plan_cache_mode = auto'] : [])].join('; ');
  const simple = (connection: ClientBase, text: string) => {
    logQuery(em, text);
    return connection.query(text);
  };
  return withConflictRetries(em, options, () =>
    onConnection(em, async (connection) => {
      try {
        await simple(connection, begin);
        const result = await work(sqlOn(em, connection));
        await simple(connection, 'commit');
        return result;
      } catch (err) {
        // A connection that cannot roll back is broken: the pool drops it when it next hands it out.
        await simple(connection, 'rollback').catch(() => undefined);
        throw err;
      }
    }),
  );
}

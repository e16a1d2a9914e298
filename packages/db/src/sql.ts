// The declaration of node-postgres's value mapper travels with this file into every program that compiles it.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./pg-utils.d.ts" />
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import pg, { type ClientBase, type FieldDef, type QueryConfig } from 'pg';
import { prepareValue } from 'pg/lib/utils.js';
import { lockObserverOf, type LockObserver } from './lock-observer';
import { lockTimeoutMs, withConflictRetries, type LockedTransactionOptions } from './transaction';

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
  /**
   * Sends the steps together and runs them as one transaction: the open one, or else the extended protocol's implicit
   * transaction, which the one Sync after the last step commits. One round trip; when a step fails, the steps after it
   * do not run and nothing the batch wrote stays (outside an open transaction).
   */
  batch(steps: readonly Step[]): Promise<StepResult[]>;
  /** Reports lock waits and retries to the server's metrics, when it listens. */
  readonly locks: LockObserver | undefined;
}

export interface Step {
  statement: Statement;
  values: readonly unknown[];
}

export interface StepResult {
  rows: Record<string, unknown>[];
  /** Rows the statement returned or changed. */
  rowCount: number;
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
    logQuery(em, () => [s.text, values]);
    // The ORM has its connections hand timestamps over as text; these statements read node-postgres's own types.
    return connection.query({ name: named ? s.name : undefined, text: s.text, values: [...values], types: pg.types });
  };
  return {
    locks: lockObserverOf(em),
    query: async <R>(s: Statement, values: readonly unknown[]) => (await send(s, values)).rows as R[],
    run: async (s: Statement, values: readonly unknown[]) => (await send(s, values)).rowCount ?? 0,
    batch: (steps) => {
      return new Promise((resolve, reject) => {
        const batch = new Batch(steps, named, (err, results) => (err ? reject(err) : resolve(results!)));
        // One entry per round trip: the statements of a batch together.
        logQuery(em, () => [batch.text, steps.flatMap((step) => step.values)]);
        // A submittable: node-postgres queues it like a query and hands it the connection's messages.
        void (connection.query as unknown as (submittable: Batch) => void)(batch);
      });
    },
  };
}

/** Runs `step` after `first`, in one round trip (as a plain statement when nothing goes before it): its result. */
export async function afterSteps(sql: Sql, first: readonly Step[], step: Step): Promise<StepResult> {
  if (first.length === 0) {
    const rows = await sql.query<Record<string, unknown>>(step.statement, step.values);
    return { rows, rowCount: rows.length };
  }
  return (await sql.batch([...first, step])).at(-1)!;
}

/** The parts of node-postgres's connection (its wire protocol writer) that a batch writes to. */
interface Wire {
  parsedStatements: Record<string, string>;
  stream: { cork(): void; uncork(): void };
  parse(message: { name?: string; text: string }): void;
  bind(message: { statement?: string; values: unknown[] }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: object): void;
  sync(): void;
  on(event: 'parseComplete', listener: () => void): void;
  off(event: 'parseComplete', listener: () => void): void;
}

/** How a prepared statement's rows read: their column names and each column's parser. */
interface RowShape {
  names: string[];
  parsers: ((value: string) => unknown)[];
}

const NO_ROWS: RowShape = { names: [], parsers: [] };

/** The row shapes of the statements each connection has described, by statement name. */
const shapesByWire = new WeakMap<Wire, Map<string, RowShape>>();

/**
 * Steps sent in the extended protocol one after another with one Sync at the end, as a node-postgres submittable:
 * Bind and Execute for each (Parse first for a statement this connection has not prepared, and Describe for one whose
 * row shape it has not yet seen), written at once. A statement counts as prepared on the connection when PostgreSQL
 * confirms its Parse, as node-postgres counts its own, so that a batch that fails part way prepares again only what
 * did not go through; its row shape, once a batch has read all its rows, so that its later batches are not sent one.
 */
class Batch {
  /** The statements, for tracing (the pg instrumentation names its span after a query's text) and the query log. */
  get text(): string {
    return this.steps.map((step) => step.statement.text).join('; ');
  }
  private readonly results: StepResult[] = [];
  /** The shape of each step's rows: known from an earlier batch, or undefined until its RowDescription arrives. */
  private shapes: (RowShape | undefined)[] = [];
  private shape: RowShape = NO_ROWS;
  /** The row shapes the connection has seen, filled in by this batch for the statements it described. */
  private known = new Map<string, RowShape>();
  private described: boolean[] = [];
  private rows: Record<string, unknown>[] = [];
  private parsing: Statement[] = [];
  private wire: Wire | undefined;
  private done = false;

  constructor(
    private readonly steps: readonly Step[],
    private readonly named: boolean,
    /** Called once, when the batch ends; an instrumentation of node-postgres may wrap it, as it does a query's. */
    public callback: (err: Error | null, results?: StepResult[]) => void,
  ) {}

  private readonly parsed = () => {
    const statement = this.parsing.shift();
    if (statement && this.wire) this.wire.parsedStatements[statement.name] = statement.text;
  };

  submit(wire: Wire): Error | null {
    let values: unknown[][];
    try {
      values = this.steps.map((step) => step.values.map((v) => prepareValue(v)));
    } catch (err) {
      return err as Error;
    }
    this.wire = wire;
    let known = shapesByWire.get(wire);
    if (!known) shapesByWire.set(wire, (known = new Map()));
    this.known = known;
    wire.stream.cork();
    try {
      this.steps.forEach((step, i) => {
        const name = this.named ? step.statement.name : undefined;
        const prepared = name !== undefined && (wire.parsedStatements[name] !== undefined || this.parsing.includes(step.statement));
        if (!prepared) {
          wire.parse({ name, text: step.statement.text });
          if (name) this.parsing.push(step.statement);
        }
        wire.bind({ statement: name, values: values[i]! });
        const shape = prepared ? known.get(name) : undefined;
        if (!shape) wire.describe({ type: 'P', name: '' });
        this.shapes.push(shape);
        this.described.push(shape === undefined);
        wire.execute({});
      });
      wire.sync();
    } finally {
      wire.stream.uncork();
    }
    this.shape = this.shapes[0] ?? NO_ROWS;
    if (this.parsing.length > 0) wire.on('parseComplete', this.parsed);
    return null;
  }

  handleRowDescription(message: { fields: FieldDef[] }): void {
    this.shape = {
      names: message.fields.map((f) => f.name),
      parsers: message.fields.map((f) => pg.types.getTypeParser(f.dataTypeID, 'text') as (value: string) => unknown),
    };
    this.shapes[this.results.length] = this.shape;
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    const { names, parsers } = this.shape;
    const row: Record<string, unknown> = {};
    message.fields.forEach((value, i) => (row[names[i]!] = value === null ? null : parsers[i]!(value)));
    this.rows.push(row);
  }

  handleCommandComplete(message: { text: string }): void {
    const count = /(\d+)$/.exec(message.text);
    const step = this.results.length;
    // A statement described with no RowDescription returns no rows (NoData); either way its shape is now known.
    if (this.named && this.described[step]) this.known.set(this.steps[step]!.statement.name, this.shapes[step] ?? NO_ROWS);
    this.results.push({ rows: this.rows, rowCount: count ? Number(count[1]) : this.rows.length });
    this.rows = [];
    this.shape = this.shapes[step + 1] ?? NO_ROWS;
  }
  handleEmptyQuery(): void {}

  handleError(err: Error): void {
    this.finish(err);
  }

  handleReadyForQuery(): void {
    this.finish(null);
  }

  handlePortalSuspended(): void {}

  handleCopyInResponse(): void {}

  handleCopyData(): void {}

  private finish(err: Error | null): void {
    if (this.done) return;
    this.done = true;
    this.wire?.off('parseComplete', this.parsed);
    this.callback(err, err ? undefined : this.results);
  }
}

/** Statements go to the ORM's query log like its own, when that log is on. */
function logQuery(em: EntityManager, entry: () => [text: string, values: readonly unknown[]]): void {
  const logger = em.config.getLogger();
  if (!logger.isEnabled('query')) return;
  const [text, values] = entry();
  logger.logQuery({ query: text, params: [...values], level: 'info' });
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

const ASYNC_COMMIT = statement('async_commit', "select set_config('synchronous_commit', 'off', true)");

/** A step that lets its batch's transaction commit without waiting for the write-ahead log to reach the disk. */
export const asyncCommit: Step = { statement: ASYNC_COMMIT, values: [] };

/**
 * A node-postgres `query` over the ORM's pool, for a library that sends its own statements (the rate limiter): each
 * on a connection of its own, unnamed when prepared statements are off, and committed without waiting for the
 * write-ahead log to reach the disk. A crash may forget the last fraction of a second of counts; no statement of
 * the request waits for a disk flush of its own.
 */
export function poolQuery(orm: MikroORM): (config: QueryConfig) => Promise<StepResult> {
  return (config) =>
    withSql(orm.em, async (sql) => {
      const own = { statement: { name: config.name ?? '', text: config.text }, values: config.values ?? [] };
      return (await sql.batch([asyncCommit, own]))[1]!;
    });
}

/** The connection of the transaction `tx` is in, for repositories called inside an ORM transaction. */
export async function sqlOf(tx: EntityManager): Promise<Sql> {
  const trx = tx.getTransactionContext<{ client: PoolClient }>();
  if (!trx) throw new Error('sqlOf needs an EntityManager inside a transaction');
  return sqlOn(tx, await trx.client.acquireConnection());
}

/** The settings of `indexedGenericPlans`, also those of `transactionSettings` with `genericPlans`. */
const GENERIC_INDEXED_PLANS = "set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan', 'off', true)";

const INDEXED_GENERIC_PLANS = statement('indexed_generic_plans', `select ${GENERIC_INDEXED_PLANS}`);

/**
 * A first step for statements with an index for every row they read: prepared, they keep a generic plan (the
 * connections force custom plans otherwise, see `ormConfig`), which is built without sequential scans, so that it
 * reads through the indexes however small the tables were when it was made.
 */
export const indexedGenericPlans: Step = { statement: INDEXED_GENERIC_PLANS, values: [] };

const settingsSteps = new Map<string, Step>();

/**
 * The first step of a batch that takes row locks: `lock_timeout` (and the plan settings of `genericPlans`) for the
 * batch's transaction, as `inSqlTransaction` sets them with `begin`. One statement per lock timeout and plan mode,
 * with their values in its text (a whole number and fixed words): prepared without parameters, it is planned once
 * per connection, where one with parameters is planned at every call on connections that force custom plans.
 */
export const transactionSettings = (options: LockedTransactionOptions): Step => {
  const ms = lockTimeoutMs(options);
  const key = `${ms}ms${options.genericPlans ? '_generic' : ''}`;
  let step = settingsSteps.get(key);
  if (!step) {
    const plans = options.genericPlans ? `, ${GENERIC_INDEXED_PLANS}` : '';
    step = { statement: statement(`transaction_settings_${key}`, `select set_config('lock_timeout', '${ms}ms', true)${plans}`), values: [] };
    settingsSteps.set(key, step);
  }
  return step;
};

/** The Sql of an open transaction. */
export interface TransactionSql extends Sql {
  /**
   * For the transaction's last statement, one whose failure is the only reason not to commit: the commit is sent with
   * it, in the same round trip. Statements after it run on their own, outside the transaction.
   */
  andCommit(): Sql;
  /** Ends the transaction, undoing what it wrote (after a failed statement too); statements after it run on their own. */
  rollback(): Promise<void>;
}

const BEGIN: Step = { statement: statement('begin', 'begin'), values: [] };
const COMMIT: Step = { statement: statement('commit', 'commit'), values: [] };

/**
 * A transaction on `connection` that begins with its first statement: `begin` and its settings go in that statement's
 * round trip, and the commit in the last one's when the work says which that is (`andCommit`).
 */
function transactionOn(em: EntityManager, connection: ClientBase, options: LockedTransactionOptions) {
  const base = sqlOn(em, connection);
  const state = { begun: false, ended: false };
  const send = async (steps: readonly Step[], commit: boolean): Promise<StepResult[]> => {
    const opening = state.begun || state.ended ? [] : [BEGIN, transactionSettings(options)];
    state.begun = true;
    const results = await base.batch([...opening, ...steps, ...(commit && !state.ended ? [COMMIT] : [])]);
    if (commit) state.ended = true;
    return results.slice(opening.length, opening.length + steps.length);
  };
  const one = async (s: Statement, values: readonly unknown[], commit: boolean) => (await send([{ statement: s, values }], commit))[0]!;
  const sql = (commit: boolean): Sql => ({
    locks: base.locks,
    // Inside the transaction, with nothing to send along, a statement goes as it would anywhere.
    query: async <R>(s: Statement, values: readonly unknown[]) =>
      (commit || !state.begun ? (await one(s, values, commit)).rows : await base.query(s, values)) as R[],
    run: async (s: Statement, values: readonly unknown[]) => (commit || !state.begun ? (await one(s, values, commit)).rowCount : base.run(s, values)),
    batch: (steps) => send(steps, commit),
  });
  /** Ends what is still open. */
  const close = async (how: 'commit' | 'rollback') => {
    if (!state.begun || state.ended) return;
    state.ended = true;
    await simple(em, connection, how);
  };
  const rollback = () => close('rollback');
  return {
    sql: { ...sql(false), andCommit: () => sql(true), rollback } satisfies TransactionSql,
    end: () => close('commit'),
    /** Rolls back what is still open. A connection that cannot is broken: the pool drops it when it next hands it out. */
    abort: () => rollback().catch(() => undefined),
  };
}

const simple = (em: EntityManager, connection: ClientBase, text: string) => {
  logQuery(em, () => [text, []]);
  return connection.query(text);
};

/**
 * Runs `work` in one transaction on a connection of the ORM's pool, `begin` with `lock_timeout` (and
 * `plan_cache_mode`) sent with the first statement and the commit with the last (`andCommit`), and runs it again after
 * a deadlock, serialization failure or lock timeout, as `inLockedTransaction` does. No unit of work is tracked: the hot
 * paths write with their own statements.
 */
export async function inSqlTransaction<T>(em: EntityManager, options: LockedTransactionOptions, work: (sql: TransactionSql) => Promise<T>): Promise<T> {
  return withConflictRetries(em, options, () =>
    onConnection(em, async (connection) => {
      const transaction = transactionOn(em, connection, options);
      try {
        const result = await work(transaction.sql);
        await transaction.end();
        return result;
      } catch (err) {
        await transaction.abort();
        throw err;
      }
    }),
  );
}

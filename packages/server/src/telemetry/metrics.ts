import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { REFUND_STATUSES, type ErrorCode } from '@frookoon/contract';
import { readBacklogs, type Backlogs, type LockObserver, type RetryableConflict } from '@frookoon/db';
import type { Logger } from '../logger';

/** The background jobs, as `startJobs` names them. */
export type JobName = 'outbox' | 'refunds' | 'expiry';

/** What the knex pool under MikroORM tells about itself (tarn's pool). */
interface PoolStats {
  numUsed(): number;
  numPendingAcquires(): number;
}

let processRegistry: Registry | undefined;

/**
 * CPU, memory, event loop lag, GC and handles belong to the process, not to a server: collected once and shown by
 * every server's registry (tests run many servers in one process). They keep their standard names (`process_…`,
 * `nodejs_…`), which the usual Node.js dashboards expect.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The server's Prometheus series, in a registry of its own. Everything on the request path is a counter or a
 * histogram; the outbox, refund and pool gauges are read when scraped (one statement for the database ones).
 */
export class Metrics {
  readonly registry: Registry;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** `orders.create` and `checkouts.create`, each with its created and refused counters. */
  private readonly creations: ReadonlyMap<string, { created: Counter; refused: Counter<'error_code'> }>;
  private readonly conflicts: Counter<'procedure'>;
  private readonly jobRuns: Counter<'job' | 'outcome'>;
  private readonly expiredOrders: Counter;
  /** Called by the locking code of this server's ORM (see `observeLocks`). */
  readonly locks: LockObserver;

  constructor(orm: MikroORM, log: Logger, poolMax: number) {
    this.registry = Registry.merge([processMetrics(), new Registry()]);
    const registers = [this.registry];

    this.httpRequests = new Counter({
      name: 'frookoon_http_requests_total',
      help: 'HTTP requests answered, by method, route template (tRPC: /trpc/<procedure>) and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'frookoon_http_request_duration_seconds',
      help: 'Time from a request arriving to its response being sent, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const creation = (what: string) => ({
      created: new Counter({ name: `frookoon_${what}_created_total`, help: `${what} created (201), over REST or tRPC`, registers }),
      refused: new Counter({
        name: `frookoon_${what}_refused_total`,
        help: `${what} refused, by the problem's error_code`,
        labelNames: ['error_code'],
        registers,
      }),
    });
    this.creations = new Map([
      ['orders.create', creation('orders')],
      ['checkouts.create', creation('checkouts')],
    ]);
    this.conflicts = new Counter({
      name: 'frookoon_concurrent_order_conflicts_total',
      help: 'Calls answered CONCURRENT_ORDER_CONFLICT (lock retries exhausted, or a payment already under way), by procedure',
      labelNames: ['procedure'],
      registers,
    });
    const lockRetries = new Counter({
      name: 'frookoon_lock_retries_total',
      help: 'Locked transactions run again after a deadlock, serialization failure or lock timeout, by conflict',
      labelNames: ['conflict'],
      registers,
    });
    const stockLockWait = new Histogram({
      name: 'frookoon_stock_lock_wait_seconds',
      help: 'Time taken to lock the stock rows of an order or checkout (waits ending in a lock timeout included)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.locks = {
      lockRetried: (conflict: RetryableConflict) => lockRetries.inc({ conflict }),
      stockLockWaited: (seconds: number) => stockLockWait.observe(seconds),
    };
    this.jobRuns = new Counter({
      name: 'frookoon_job_runs_total',
      help: 'Runs of the background jobs (expiry is the sweeper), by job and outcome (ok or failed)',
      labelNames: ['job', 'outcome'],
      registers,
    });
    this.expiredOrders = new Counter({ name: 'frookoon_orders_expired_total', help: 'Unpaid orders the sweeper cancelled', registers });

    // One statement per scrape feeds the three database gauges, whichever of them is collected first.
    let reading: Promise<Backlogs | undefined> | undefined;
    const backlogs = () =>
      (reading ??= readBacklogs(orm.em.fork())
        .catch((err: unknown) => {
          log.warn({ err }, 'metrics: outbox and refund backlogs could not be read');
          return undefined;
        })
        .finally(() => (reading = undefined)));
    new Gauge({
      name: 'frookoon_outbox_undispatched_events',
      help: 'Outbox events committed but not yet dispatched',
      registers,
      async collect() {
        const read = await backlogs();
        if (read) this.set(read.outboxEvents);
        else this.reset();
      },
    });
    new Gauge({
      name: 'frookoon_outbox_oldest_undispatched_age_seconds',
      help: 'Age of the oldest outbox event not yet dispatched (0 when there is none)',
      registers,
      async collect() {
        const read = await backlogs();
        if (read) this.set(read.oldestOutboxEventAgeSeconds);
        else this.reset();
      },
    });
    new Gauge({
      name: 'frookoon_refunds',
      help: 'Refunds by status (requested ones are still to be paid back)',
      labelNames: ['status'],
      registers,
      async collect() {
        const read = await backlogs();
        this.reset();
        if (read) for (const status of REFUND_STATUSES) this.set({ status }, read.refunds[status] ?? 0);
      },
    });

    const pool = () => orm.em.getConnection().getKnex().client.pool as PoolStats | undefined;
    new Gauge({
      name: 'frookoon_db_pool_connections_in_use',
      help: 'Pooled database connections lent out',
      registers,
      collect() {
        this.set(pool()?.numUsed() ?? 0);
      },
    });
    new Gauge({
      name: 'frookoon_db_pool_pending_acquires',
      help: 'Requests waiting for a pooled database connection',
      registers,
      collect() {
        this.set(pool()?.numPendingAcquires() ?? 0);
      },
    });
    new Gauge({ name: 'frookoon_db_pool_connections_max', help: 'Largest number of pooled database connections (DB_POOL_MAX)', registers }).set(poolMax);
  }

  httpRequestDone(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  /** A procedure call ended: `errorCode` is its problem's code when it failed. */
  procedureDone(path: string, errorCode: ErrorCode | undefined): void {
    const creation = this.creations.get(path);
    if (errorCode === undefined) {
      creation?.created.inc();
      return;
    }
    creation?.refused.inc({ error_code: errorCode });
    if (errorCode === 'CONCURRENT_ORDER_CONFLICT') this.conflicts.inc({ procedure: path });
  }

  jobRan(job: JobName, outcome: 'ok' | 'failed'): void {
    this.jobRuns.inc({ job, outcome });
  }

  ordersExpired(count: number): void {
    this.expiredOrders.inc(count);
  }
}

import cluster, { type Worker } from 'node:cluster';
import { initOrm, resolveDatabase } from '@frookoon/db';
import type { Config } from './config';
import type { Logger } from './logger';
import { prepareDatabase } from './server';

const RESTART_DELAY_MS = 1000;
/** The fewest pooled connections a worker gets, so that a job's statement never waits for a request to finish. */
const MIN_WORKER_POOL = 2;

/**
 * Each worker's share of `DB_POOL_MAX`, which is the server's, not each process's: PostgreSQL does its work on its
 * own cores, and more connections than it can run at once only make it switch between them.
 */
export const workerPoolMax = (config: Pick<Config, 'dbPoolMax' | 'workers'>): number =>
  Math.max(MIN_WORKER_POOL, Math.ceil(config.dbPoolMax / config.workers));

/**
 * `WORKERS=N`: this process starts the database (embedded, unless `DATABASE_URL`), migrates and seeds it once,
 * then runs N server processes that share the API port and `DB_POOL_MAX` (through `node:cluster`). Jobs, live
 * events and rate limits already work across instances through PostgreSQL. A worker that dies is started again; on SIGINT or SIGTERM
 * every worker stops gracefully, then the database.
 */
export async function runPrimary(config: Config, log: Logger): Promise<void> {
  const db = await resolveDatabase({ databaseUrl: config.databaseUrl, directUrl: config.databaseDirectUrl, dataDir: config.dataDir, port: config.embeddedPgPort });
  const orm = await initOrm({ url: db.directUrl, poolMax: 1, connectTimeoutMs: config.dbConnectTimeoutMs });
  try {
    await prepareDatabase(orm, config, log, db.embedded);
  } finally {
    await orm.close(true);
  }

  let stopping = false;
  const fork = (index: number): Worker => {
    const worker = cluster.fork({
      DATABASE_URL: db.url,
      DATABASE_DIRECT_URL: db.directUrl,
      // As decided here: with a direct URL always set, a worker would otherwise take any database for a pooler.
      DATABASE_PREPARED_STATEMENTS: config.databasePreparedStatements ? 'on' : 'off',
      WORKERS: '1',
      DB_POOL_MAX: String(workerPoolMax(config)),
      SEED_DEMO: 'false',
      // Each worker serves its own metrics, on the configured port plus its index.
      METRICS_PORT: config.metrics ? String(config.metrics.port && config.metrics.port + index) : 'off',
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      log.error({ worker: index, pid: worker.process.pid, code, signal }, 'worker died; starting another');
      setTimeout(() => fork(index), RESTART_DELAY_MS).unref();
    });
    worker.on('online', () => log.info({ worker: index, pid: worker.process.pid }, 'worker started'));
    return worker;
  };
  for (let i = 0; i < config.workers; i++) fork(i);

  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, 'stopping the workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(workers.map((worker) => new Promise<void>((resolve) => {
      if (worker.isDead()) return resolve();
      worker.once('exit', () => resolve());
      worker.send('shutdown');
      // A worker that does not finish within its grace period (and a little more) is stopped for good.
      setTimeout(() => worker.process.kill('SIGKILL'), config.shutdownGraceMs + 5_000).unref();
    })));
    await db.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}

import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  initOrm, migrate, observeLocks, resolveDatabase, seedDemoData, DEMO_ACCOUNTS, DEMO_PASSWORD, ORDER_EVENTS_CHANNEL, TOKEN_REVOCATIONS_CHANNEL, type DatabaseHandle,
} from '@frookoon/db';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from './config';
import type { Logger } from './logger';
import { createApp } from './http/app';
import { TokenCache } from './domain/auth/token-cache';
import { StreamGuard } from './domain/auth/stream-guard';
import { hashPassword } from './domain/auth/password';
import type { PaymentGateway } from './domain/payments/payment-gateway';
import { createPaymentGateway } from './domain/payments/payment-gateway-factory';
import { OrderEventsHub } from './events/order-events.hub';
import { DatabaseListener } from './events/database-listener';
import { startJobs, type Jobs } from './jobs/index';
import { createRateLimiter } from './limits/rate-limiter';
import { Metrics } from './telemetry/metrics';
import { serveMetrics } from './telemetry/metrics-server';

export interface RunningServer {
  url: string;
  orm: MikroORM;
  server: Server;
  orderEvents: OrderEventsHub;
  /** Where `GET /metrics` answers (`http://127.0.0.1:9464/metrics`); none with `METRICS_PORT=off`. */
  metricsUrl: string | undefined;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes the pool and the database. */
  stop(): Promise<void>;
}

export interface ServerParts {
  /** The payment gateway; the one `config.paymentGateway` names when none is given. */
  paymentGateway?: PaymentGateway;
}

/**
 * Brings the database to the current schema and, when configured, seeds the demo data into an empty one. Run by
 * each server, or once by the cluster's primary before its workers start, on an ORM connected to PostgreSQL itself.
 */
export async function prepareDatabase(orm: MikroORM, config: Config, log: Logger, embedded: boolean): Promise<void> {
  const applied = await migrate(orm);
  log.info({ applied, embedded }, applied.length ? 'migrations applied' : 'schema up to date');
  if (config.seedDemo) {
    const { seeded } = await seedDemoData(orm.em.fork(), await hashPassword(DEMO_PASSWORD));
    if (seeded) log.info('demo data seeded');
    // The demo password is published for trying Frookoon out; a production log never carries it.
    log.info(
      { accounts: Object.values(DEMO_ACCOUNTS), ...(config.production ? {} : { password: DEMO_PASSWORD }), demo_client: `http://localhost:${config.demoPort}` },
      config.production ? 'demo accounts' : 'demo accounts (password for all three)',
    );
  }
}

/** Database, migrations, demo data, HTTP: everything `pnpm start` runs, as one function tests can call too. */
export async function startServer(config: Config, log: Logger, database?: DatabaseHandle, parts: ServerParts = {}): Promise<RunningServer> {
  const db =
    database ??
    (await resolveDatabase({
      databaseUrl: config.databaseUrl,
      directUrl: config.databaseDirectUrl,
      dataDir: config.dataDir,
      port: config.embeddedPgPort,
      onLog: (line) => log.debug({ postgres: line.trim() }, 'embedded postgres'),
    }));
  let orm: MikroORM | undefined;
  let server: Server;
  let jobs: Jobs | undefined;
  let metricsServer: Server | undefined;
  const orderEvents = new OrderEventsHub();
  const tokens = new TokenCache(config.tokenCacheMs);
  // LISTEN belongs to a session: through a transaction-mode pooler it would land on whichever connection was free.
  const listener = new DatabaseListener(db.directUrl, log, {
    channels: { [ORDER_EVENTS_CHANNEL]: (payload) => orderEvents.deliver(payload), [TOKEN_REVOCATIONS_CHANNEL]: (payload) => tokens.heard(payload) },
    onConfirmed: (since) => tokens.confirmed(since),
    onLost: () => tokens.lost(),
  });
  try {
    orm = await initOrm({
      url: db.url,
      poolMax: config.dbPoolMax,
      connectTimeoutMs: config.dbConnectTimeoutMs,
      driverWarning: (message) => log.warn({ driver: message }, 'database driver warning'),
      preparedStatements: config.databasePreparedStatements,
    });
    await onDirectConnection(db, orm, config, (direct) => prepareDatabase(direct, config, log, db.embedded));
    await listener.start();
    const paymentGateway = parts.paymentGateway ?? createPaymentGateway(config.paymentGateway);
    const metrics = config.metrics ? new Metrics(orm, log, config.dbPoolMax) : undefined;
    if (metrics) observeLocks(orm, metrics.locks);
    jobs = startJobs({ orm, config, log, paymentGateway, metrics });
    const rateLimiter = createRateLimiter(orm, config.rateLimits);
    if (metrics && config.metrics) metricsServer = await serveMetrics(metrics, config.metrics, log);
    server = createApp({ orm, config, log, paymentGateway, orderEvents, streams: new StreamGuard(config.streams), tokens, rateLimiter, metrics, pokeOutbox: jobs.pokeOutbox }).listen(config.port, config.host);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (err) {
    if (metricsServer) await closeServer(metricsServer);
    await jobs?.stop();
    await listener.stop();
    await orm?.close();
    if (!database) await db.stop();
    throw err;
  }
  const readyOrm = orm;
  const readyJobs = jobs!;
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      orderEvents.closeSubscriptions();
      // Keep-alive sockets go as soon as their last response is out, not at their idle timeout.
      server.closeIdleConnections();
      const sweepIdle = setInterval(() => server.closeIdleConnections(), 50);
      const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
      await drained;
      clearInterval(sweepIdle);
      clearTimeout(grace);
      if (metricsServer) await closeServer(metricsServer);
      await readyJobs.stop();
      await listener.stop();
      await readyOrm.close();
      if (!database) await db.stop();
    })());
  const metricsUrl = metricsServer && `${localUrl(metricsServer)}/metrics`;
  return { url: `http://127.0.0.1:${port}`, orm: readyOrm, server, orderEvents, metricsUrl, stop };
}

/**
 * Runs `work` on an ORM connected to PostgreSQL itself: `orm` when there is no pooler in between, else one of its
 * own for the time of `work`. Migrations hold one long transaction of DDL, which should neither occupy a pooled
 * connection meant for requests nor meet a pooler's timeouts.
 */
async function onDirectConnection<T>(db: DatabaseHandle, orm: MikroORM, config: Config, work: (direct: MikroORM) => Promise<T>): Promise<T> {
  if (db.directUrl === db.url) return work(orm);
  const direct = await initOrm({ url: db.directUrl, poolMax: 1, connectTimeoutMs: config.dbConnectTimeoutMs });
  try {
    return await work(direct);
  } finally {
    await direct.close(true);
  }
}

/** A URL this host can reach the server at: loopback when it listens on every address. */
function localUrl(server: Server): string {
  const { address, family, port } = server.address() as AddressInfo;
  const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : family === 'IPv6' ? `[${address}]` : address;
  return `http://${host}:${port}`;
}

/** Stops a server that has no requests worth waiting for (a scrape can be asked for again). */
function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

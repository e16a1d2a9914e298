import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { initOrm, migrate, resolveDatabase, seedDemoData, DEMO_PASSWORD, type DatabaseHandle } from '@frookoon/db';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from './config';
import type { Logger } from './logger';
import { createApp } from './http/app';
import { hashPassword } from './domain/auth/password';

export interface RunningServer {
  url: string;
  orm: MikroORM;
  server: Server;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes the pool and the database. */
  stop(): Promise<void>;
}

/** Database, migrations, demo data, HTTP: everything `pnpm start` runs, as one function tests can call too. */
export async function startServer(config: Config, log: Logger, database?: DatabaseHandle): Promise<RunningServer> {
  const db =
    database ??
    (await resolveDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      port: config.embeddedPgPort,
      onLog: (line) => log.debug({ postgres: line.trim() }, 'embedded postgres'),
    }));
  let orm: MikroORM | undefined;
  let server: Server;
  try {
    orm = await initOrm({ url: db.url, poolMax: config.dbPoolMax, connectTimeoutMs: config.dbConnectTimeoutMs });
    const applied = await migrate(orm);
    log.info({ applied, embedded: db.embedded }, applied.length ? 'migrations applied' : 'schema up to date');
    if (config.seedDemo) {
      const { seeded } = await seedDemoData(orm.em.fork(), await hashPassword(DEMO_PASSWORD));
      if (seeded) log.info('demo data seeded');
    }
    server = createApp({ orm, config, log }).listen(config.port, config.host);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (err) {
    await orm?.close();
    if (!database) await db.stop();
    throw err;
  }
  const readyOrm = orm;
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
      await drained;
      clearTimeout(grace);
      await readyOrm.close();
      if (!database) await db.stop();
    })());
  return { url: `http://127.0.0.1:${port}`, orm: readyOrm, server, stop };
}

import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { scratchServer, withDatabaseName } from '../src/embedded';
import { initOrm } from '../src/orm';

/**
 * Runs `fn` against an empty scratch database (dropped afterwards), on DATABASE_URL's server when set,
 * else on a throwaway embedded cluster.
 */
export async function withScratchOrm(fn: (orm: MikroORM) => Promise<void>): Promise<void> {
  const name = `frookoon_scratch_${process.pid}`;
  const { adminUrl, stop: stopCluster } = await scratchServer(54400 + (process.pid % 500));
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  const orm = await initOrm({ url: withDatabaseName(adminUrl, name) });
  try {
    await fn(orm);
  } finally {
    await orm.close(true);
    await admin.query(`drop database if exists ${name}`);
    await admin.end();
    await stopCluster();
  }
}

import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { startThrowawayCluster } from '../src/embedded';
import { initOrm } from '../src/orm';

/**
 * Runs `fn` against an empty scratch database (dropped afterwards), on DATABASE_URL's server when set,
 * else on a throwaway embedded cluster.
 */
export async function withScratchOrm(fn: (orm: MikroORM) => Promise<void>): Promise<void> {
  const name = `frookoon_scratch_${process.pid}`;
  let adminUrl: string;
  let stopCluster = async () => undefined as void;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    const cluster = await startThrowawayCluster(54400 + (process.pid % 500));
    adminUrl = cluster.adminUrl;
    stopCluster = cluster.stop;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const orm = await initOrm({ url: url.toString() });
  try {
    await fn(orm);
  } finally {
    await orm.close(true);
    await admin.query(`drop database if exists ${name}`);
    await admin.end();
    await stopCluster();
  }
}

/**
 * One PostgreSQL for the whole run (embedded, or DATABASE_URL's server), with a migrated template database
 * that every test file clones, so that files run in parallel on databases of their own.
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { initOrm, migrate, startThrowawayCluster } from '@frookoon/db';

export const TEMPLATE_DB = 'frookoon_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplateDb: string;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  let adminUrl: string;
  let stopCluster: () => Promise<void> = async () => undefined;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    const cluster = await startThrowawayCluster(55000 + (process.pid % 1000));
    adminUrl = cluster.adminUrl;
    stopCluster = cluster.stop;
  }

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE_DB} with (force)`);
  await admin.query(`create database ${TEMPLATE_DB}`);
  const orm = await initOrm({ url: withDatabase(adminUrl, TEMPLATE_DB) });
  await migrate(orm);
  await orm.close(true);
  await admin.end();

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplateDb', TEMPLATE_DB);

  return async () => {
    await stopCluster();
  };
}

/**
 * One PostgreSQL for the whole run (embedded, or DATABASE_URL's server), with a migrated template database
 * that every test file clones, so that files run in parallel on databases of their own.
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { freePort, initOrm, migrate, scratchServer, withDatabaseName } from '@frookoon/db';

export const TEMPLATE_DB = 'frookoon_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplateDb: string;
  }
}

export default async function setup(project: TestProject) {
  const { adminUrl, stop: stopCluster } = await scratchServer(await freePort());

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE_DB} with (force)`);
  await admin.query(`create database ${TEMPLATE_DB}`);
  const orm = await initOrm({ url: withDatabaseName(adminUrl, TEMPLATE_DB) });
  await migrate(orm);
  await orm.close(true);
  await admin.end();

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplateDb', TEMPLATE_DB);

  return async () => {
    await stopCluster();
  };
}

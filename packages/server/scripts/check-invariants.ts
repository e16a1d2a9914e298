/**
 * `pnpm check:invariants`: checks every invariant of stock, lifecycle and money against DATABASE_DIRECT_URL (else
 * DATABASE_URL), or the embedded database (the one a running server uses, else started for the check and stopped
 * after). Prints one line per invariant; exits 1 on any violation.
 */
import { checkInvariants, initOrm, resolveDatabase, runningEmbeddedUrl } from '@frookoon/db';
import { loadConfig } from '../src/config';

const SHOWN_PER_INVARIANT = 10;

const config = loadConfig({ ...process.env, SEED_DEMO: 'false' });
const running = config.databaseUrl ? undefined : runningEmbeddedUrl(config.dataDir, config.embeddedPgPort, 'frookoon');
const db = running
  ? { directUrl: running, stop: async () => undefined }
  : await resolveDatabase({ databaseUrl: config.databaseUrl, directUrl: config.databaseDirectUrl, dataDir: config.dataDir, port: config.embeddedPgPort });
// Its scans of whole tables stay off a pooler's connections, which are sized for requests.
const orm = await initOrm({ url: db.directUrl });
let failed = 0;
try {
  const pending = await orm.getMigrator().getPendingMigrations();
  if (pending.length > 0) {
    throw new Error(`the database is not at the current schema (${pending.length} migration(s) pending): start the server once to apply them`);
  }
  for (const { name, violations } of await checkInvariants(orm.em.fork())) {
    console.log(`${violations.length === 0 ? 'ok  ' : 'FAIL'}  ${name}${violations.length ? ` (${violations.length})` : ''}`);
    for (const v of violations.slice(0, SHOWN_PER_INVARIANT)) console.log(`        ${v}`);
    if (violations.length > SHOWN_PER_INVARIANT) console.log(`        … and ${violations.length - SHOWN_PER_INVARIANT} more`);
    failed += violations.length > 0 ? 1 : 0;
  }
  console.log(failed === 0 ? 'All invariants hold.' : `${failed} invariant(s) violated.`);
  process.exitCode = failed === 0 ? 0 : 1;
} catch (err) {
  console.error(`Cannot check the invariants: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await orm.close(true);
  await db.stop();
}

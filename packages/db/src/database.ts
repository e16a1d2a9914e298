import { startEmbeddedPostgres } from './embedded';

export interface DatabaseHandle {
  url: string;
  /** PostgreSQL itself, for `LISTEN`, migrations and seeding, when `url` names a transaction-mode pooler; else `url`. */
  directUrl: string;
  /** Whether this process started the database (and so must stop it). */
  embedded: boolean;
  stop(): Promise<void>;
}

export interface ResolveDatabaseOptions {
  /** `DATABASE_URL`; when empty an embedded cluster is used. */
  databaseUrl?: string;
  /** `DATABASE_DIRECT_URL`; `databaseUrl` when empty. */
  directUrl?: string;
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
}

/** `DATABASE_URL` when given, otherwise an embedded PostgreSQL kept under `dataDir`. */
export async function resolveDatabase(options: ResolveDatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, directUrl: options.directUrl ?? options.databaseUrl, embedded: false, stop: async () => undefined };
  }
  const db = await startEmbeddedPostgres({
    dataDir: options.dataDir,
    port: options.port,
    database: 'frookoon',
    onLog: options.onLog,
  });
  return { url: db.url, directUrl: db.url, embedded: true, stop: db.stop };
}

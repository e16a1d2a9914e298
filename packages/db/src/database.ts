import { startEmbeddedPostgres } from './embedded';

export interface DatabaseHandle {
  url: string;
  /** Whether this process started the database (and so must stop it). */
  embedded: boolean;
  stop(): Promise<void>;
}

export interface ResolveDatabaseOptions {
  /** `DATABASE_URL`; when empty an embedded cluster is used. */
  databaseUrl?: string;
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
}

/** `DATABASE_URL` when given, otherwise an embedded PostgreSQL kept under `dataDir`. */
export async function resolveDatabase(options: ResolveDatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, embedded: false, stop: async () => undefined };
  }
  const db = await startEmbeddedPostgres({
    dataDir: options.dataDir,
    port: options.port,
    database: 'frookoon',
    onLog: options.onLog,
  });
  return { url: db.url, embedded: true, stop: db.stop };
}

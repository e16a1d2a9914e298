import { Writable } from 'node:stream';
import { EventSource } from 'eventsource';
import { ApiToken, User, newId, type DatabaseHandle } from '@frookoon/db';
import type { Role } from '@frookoon/sdk';
import { createFrookoonClient, type FrookoonClient } from '@frookoon/sdk';
import { loadConfig, type Config } from '../../packages/server/src/config';
import { createLogger } from '../../packages/server/src/logger';
import { startServer, type RunningServer, type ServerParts } from '../../packages/server/src/server';
import { hashToken, newToken } from '../../packages/server/src/domain/auth/tokens';
import { hashPassword } from '../../packages/server/src/domain/auth/password';
import { createTestDatabase, type TestDatabase } from './database';

export type LogLine = Record<string, unknown> & { level: string; msg: string };

export interface TestApp extends RunningServer {
  config: Config;
  db: TestDatabase;
  /** Every log line the server wrote, parsed. */
  logs: LogLine[];
  /** fetch against the server, relative path. */
  http(path: string, init?: RequestInit): Promise<Response>;
  client(token?: string | null): FrookoonClient;
  /** A user of the role with a live token, made directly in the database. */
  makeUser(role: Role, opts?: { vendorId?: string; email?: string; password?: string }): Promise<TestUser>;
  close(): Promise<void>;
}

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  vendorId: string | null;
  token: string;
  password: string;
}

const DEFAULT_PASSWORD = 'correct horse battery staple';
let defaultPasswordHash: Promise<string> | undefined;

/** The real server (express, tRPC, REST, MikroORM) on a port of its own and a database of its own. */
export async function startTestApp(env: Record<string, string> = {}, existingDb?: TestDatabase, parts: ServerParts = {}): Promise<TestApp> {
  const db = existingDb ?? (await createTestDatabase());
  const config: Config = {
    ...loadConfig({ LOG_LEVEL: 'debug', SEED_DEMO: 'false', OUTBOX_POLL_MS: '100', EXPIRY_SWEEP_INTERVAL_MS: '3600000', METRICS_PORT: '0', ...env }),
    port: 0,
    host: '127.0.0.1',
  };
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const log = createLogger(config.logLevel, sink);
  // A test that puts a pooler in front of `db` names it in DATABASE_URL, and `db` itself in DATABASE_DIRECT_URL.
  const handle: DatabaseHandle = { url: config.databaseUrl ?? db.url, directUrl: config.databaseDirectUrl ?? db.url, embedded: false, stop: async () => undefined };
  const running = await startServer(config, log, handle, parts);
  let seq = 0;

  const app: TestApp = {
    ...running,
    config,
    db,
    logs,
    http: (path, init) => fetch(running.url + path, init),
    client: (token) => createFrookoonClient({ url: running.url, token, EventSource }),
    async makeUser(role, opts = {}) {
      const em = running.orm.em.fork();
      const password = opts.password ?? DEFAULT_PASSWORD;
      const passwordHash = opts.password ? await hashPassword(password) : await (defaultPasswordHash ??= hashPassword(DEFAULT_PASSWORD));
      const email = opts.email ?? `${role}-${process.pid}-${++seq}-${newId().slice(-6)}@test.frookoon.test`;
      const user = em.create(User, { id: newId(), email, name: `Test ${role}`, role, passwordHash, vendor: opts.vendorId ?? null });
      const token = newToken();
      em.create(ApiToken, { user: user.id, tokenHash: hashToken(token), expiresAt: new Date(Date.now() + 3_600_000), revokedAt: null });
      await em.flush();
      return { id: user.id, email, role, vendorId: opts.vendorId ?? null, token, password };
    },
    async close() {
      await running.stop();
      if (!existingDb) await db.drop();
    },
  };
  return app;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export function jsonPost(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

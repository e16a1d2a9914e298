import { z } from 'zod';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const csv = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const WINDOW_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/** A rate limit written as `<count>/<window>`: `10/15m`, `300/1h`, `120/1m`. */
const rateRule = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const match = /^\s*(\d+)\s*\/\s*(\d+)\s*([smh])\s*$/.exec(s);
      if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
        ctx.addIssue({ code: 'custom', message: 'Write a rate limit as <count>/<window>, e.g. 10/15m, 300/1h or 120/1m' });
        return z.NEVER;
      }
      return { points: Number(match[1]), durationSeconds: Number(match[2]) * WINDOW_SECONDS[match[3] as keyof typeof WINDOW_SECONDS] };
    });

/** Express's `trust proxy`: `false` (default), `true`, a hop count, or addresses and subnets (`loopback, 10.0.0.0/8`). */
const trustProxy = z
  .string()
  .optional()
  .transform((s): boolean | number | string => {
    const value = s?.trim().toLowerCase() ?? '';
    if (value === '' || value === 'false') return false;
    if (value === 'true') return true;
    return /^\d+$/.test(value) ? Number(value) : value;
  });

const ZEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DEMO_PORT: z.coerce.number().int().min(1).max(65535).default(5173),
  DATABASE_URL: z.string().optional().transform((s) => s || undefined),
  DATABASE_DIRECT_URL: z.string().optional().transform((s) => s || undefined),
  DATABASE_PREPARED_STATEMENTS: z.enum(['on', 'off']).optional(),
  DATA_DIR: z.string().default(`${REPO_ROOT}.data/postgres`),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  CORS_ALLOWED_ORIGINS: csv.default(['http://localhost:3000', 'http://localhost:5173']),
  SEED_DEMO: z.string().optional().transform((s) => s || undefined).pipe(z.stringbool().optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: z.string().default('1mb'),
  TOKEN_TTL_HOURS: z.coerce.number().positive().default(24 * 30),
  TOKEN_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  DB_POOL_MAX: z.coerce.number().int().positive().default(10),
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  STOCK_LOCK_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),
  ORDER_PAYMENT_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(900),
  EXPIRY_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(30_000),
  OUTBOX_POLL_MS: z.coerce.number().int().positive().default(1000),
  OUTBOX_BATCH_MS: z.coerce.number().int().min(0).max(1000).default(20),
  OUTBOX_RETENTION_DAYS: z.coerce.number().int().positive().default(7),
  STREAMS_PER_USER: z.coerce.number().int().positive().default(5),
  STREAM_MAX_SECONDS: z.coerce.number().int().positive().default(3600),
  STREAM_RECHECK_SECONDS: z.coerce.number().positive().default(15),
  REFUND_POLL_MS: z.coerce.number().int().positive().default(2000),
  REFUND_MAX_ATTEMPTS: z.coerce.number().int().positive().default(5),
  REFUND_RETRY_BASE_MS: z.coerce.number().int().positive().default(30_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  WORKERS: z.literal('auto').or(z.coerce.number().int().min(1).max(64)).default(1),
  METRICS_PORT: z.literal('off').or(z.coerce.number().int().min(0).max(65535)).default(9464),
  METRICS_HOST: z.string().default('127.0.0.1'),
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  RATE_LOGIN_FAILURES: rateRule('10/15m'),
  RATE_REGISTRATIONS: rateRule('300/1h'),
  RATE_ORDERS: rateRule('120/1m'),
  TRUST_PROXY: trustProxy,
  MAX_PENDING_ORDERS: z.coerce.number().int().positive().default(20),
  MAX_PENDING_UNITS: z.coerce.number().int().positive().default(500),
  NODE_ENV: z.string().optional(),
  PAYMENT_GATEWAY: z.string().optional().transform((s) => s || undefined).pipe(z.enum(['test', 'stripe']).optional()),
  STRIPE_SECRET_KEY: z.string().optional().transform((s) => s || undefined),
  STRIPE_API_BASE: z
    .url({ protocol: /^https?$/ })
    .optional()
    .transform((s) => (s ? new URL(s) : undefined))
    .refine((u) => !u || u.pathname === '/', 'STRIPE_API_BASE is scheme, host and port only (Stripe paths start at /v1)'),
}).superRefine((e, ctx) => {
  if (e.DATABASE_DIRECT_URL && !e.DATABASE_URL) {
    ctx.addIssue({ code: 'custom', path: ['DATABASE_DIRECT_URL'], message: 'DATABASE_DIRECT_URL goes with a DATABASE_URL that names a pooler' });
  }
  if (e.PAYMENT_GATEWAY === 'stripe' && !e.STRIPE_SECRET_KEY) {
    ctx.addIssue({ code: 'custom', path: ['STRIPE_SECRET_KEY'], message: 'STRIPE_SECRET_KEY is required when PAYMENT_GATEWAY=stripe' });
  }
  // The test gateway takes no money: in production it runs only when asked for by name.
  if (e.NODE_ENV === 'production' && !e.PAYMENT_GATEWAY) {
    ctx.addIssue({
      code: 'custom',
      path: ['PAYMENT_GATEWAY'],
      message:
        'NODE_ENV=production needs a payment gateway chosen explicitly: PAYMENT_GATEWAY=stripe (with STRIPE_SECRET_KEY), ' +
        'or PAYMENT_GATEWAY=test to run the built-in test gateway, which takes no money',
    });
  }
});

/** At most `points` in any window of `durationSeconds`, per key. */
export interface RateRule {
  points: number;
  durationSeconds: number;
}

/** The limits of DESIGN §10, shared by every instance through the database. */
export interface RateLimitsConfig {
  enabled: boolean;
  /** Failed logins, per account and per client address. */
  loginFailures: RateRule;
  /** Registrations, per client address. */
  registrations: RateRule;
  /** Orders and checkouts created, per token. */
  orders: RateRule;
}

/** The card processor behind payments and refunds. */
export type PaymentGatewayConfig = { kind: 'test' } | { kind: 'stripe'; secretKey: string; apiBase: URL | undefined };

export interface Config {
  port: number;
  host: string;
  demoPort: number;
  databaseUrl: string | undefined;
  /** PostgreSQL itself, for `LISTEN` and migrations, when `databaseUrl` names a pooler; else `databaseUrl`. */
  databaseDirectUrl: string | undefined;
  /** Statements prepared once per connection, which a transaction-mode pooler before PgBouncer 1.21 cannot carry. */
  databasePreparedStatements: boolean;
  dataDir: string;
  embeddedPgPort: number;
  /** Origins that get CORS headers: the configured list plus the demo client's own origin. */
  corsOrigins: string[];
  /** `NODE_ENV=production`: no demo data unless asked for, and no demo password in the logs. */
  production: boolean;
  /** Seed the demo accounts (with their published password): by default only outside production. */
  seedDemo: boolean;
  logLevel: string;
  bodyLimit: string;
  tokenTtlMs: number;
  /**
   * How long an instance trusts a token it has looked up without looking again, while it hears revocations (see
   * `TokenCache`); 0 looks up every request.
   */
  tokenCacheMs: number;
  dbPoolMax: number;
  dbConnectTimeoutMs: number;
  stockLockTimeoutMs: number;
  orderPaymentTimeoutMs: number;
  expirySweepIntervalMs: number;
  outboxPollMs: number;
  /** How long a mutation's events may wait for others to share their dispatch. */
  outboxBatchMs: number;
  /** Dispatched outbox events older than this are purged by the sweeper. */
  outboxRetentionDays: number;
  /** Live subscriptions: per user on one instance, longest life, and how often their token is checked. */
  streams: { maxPerUser: number; maxDurationMs: number; recheckMs: number };
  refundPollMs: number;
  refundMaxAttempts: number;
  refundRetryBaseMs: number;
  shutdownGraceMs: number;
  /** Server processes sharing the API port (`node:cluster`); 1 runs the server in this process. */
  workers: number;
  /** Where `GET /metrics` is served, apart from the API; none with `METRICS_PORT=off`. */
  metrics: { port: number; host: string } | undefined;
  paymentGateway: PaymentGatewayConfig;
  rateLimits: RateLimitsConfig;
  /** Whether (and whose) `X-Forwarded-For` names the client, as express's `trust proxy` setting. */
  trustProxy: boolean | number | string;
  /** A customer's unpaid orders, and the units they hold reserved, may not grow past these. */
  maxPendingOrders: number;
  maxPendingUnits: number;
}

/** Thrown by `loadConfig` with every invalid variable named in its message. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ZEnv.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  const demoOrigins = [`http://localhost:${e.DEMO_PORT}`, `http://127.0.0.1:${e.DEMO_PORT}`];
  return {
    port: e.PORT,
    host: e.HOST,
    demoPort: e.DEMO_PORT,
    databaseUrl: e.DATABASE_URL,
    databaseDirectUrl: e.DATABASE_DIRECT_URL ?? e.DATABASE_URL,
    // A direct URL beside DATABASE_URL means a pooler in front, which may not keep a statement on one connection.
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS ? e.DATABASE_PREPARED_STATEMENTS === 'on' : !e.DATABASE_DIRECT_URL,
    dataDir: e.DATA_DIR,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    corsOrigins: [...new Set([...e.CORS_ALLOWED_ORIGINS, ...demoOrigins])],
    production: e.NODE_ENV === 'production',
    // The demo admin's password is public: a production database gets demo data only when asked for by name.
    seedDemo: e.SEED_DEMO ?? e.NODE_ENV !== 'production',
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.BODY_LIMIT,
    tokenTtlMs: e.TOKEN_TTL_HOURS * 3_600_000,
    tokenCacheMs: e.TOKEN_CACHE_MS,
    dbPoolMax: e.DB_POOL_MAX,
    dbConnectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    stockLockTimeoutMs: e.STOCK_LOCK_TIMEOUT_MS,
    orderPaymentTimeoutMs: e.ORDER_PAYMENT_TIMEOUT_SECONDS * 1000,
    expirySweepIntervalMs: e.EXPIRY_SWEEP_INTERVAL_MS,
    outboxPollMs: e.OUTBOX_POLL_MS,
    outboxBatchMs: e.OUTBOX_BATCH_MS,
    outboxRetentionDays: e.OUTBOX_RETENTION_DAYS,
    streams: { maxPerUser: e.STREAMS_PER_USER, maxDurationMs: e.STREAM_MAX_SECONDS * 1000, recheckMs: e.STREAM_RECHECK_SECONDS * 1000 },
    refundPollMs: e.REFUND_POLL_MS,
    refundMaxAttempts: e.REFUND_MAX_ATTEMPTS,
    refundRetryBaseMs: e.REFUND_RETRY_BASE_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    workers: e.WORKERS === 'auto' ? availableParallelism() : e.WORKERS,
    metrics: e.METRICS_PORT === 'off' ? undefined : { port: e.METRICS_PORT, host: e.METRICS_HOST },
    paymentGateway:
      e.PAYMENT_GATEWAY === 'stripe'
        ? { kind: 'stripe', secretKey: e.STRIPE_SECRET_KEY!, apiBase: e.STRIPE_API_BASE }
        : { kind: 'test' },
    rateLimits: {
      enabled: e.RATE_LIMITS === 'on',
      loginFailures: e.RATE_LOGIN_FAILURES,
      registrations: e.RATE_REGISTRATIONS,
      orders: e.RATE_ORDERS,
    },
    trustProxy: e.TRUST_PROXY,
    maxPendingOrders: e.MAX_PENDING_ORDERS,
    maxPendingUnits: e.MAX_PENDING_UNITS,
  };
}

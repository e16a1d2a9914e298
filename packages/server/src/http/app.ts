import express, { type ErrorRequestHandler } from 'express';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import { MAX_BATCH_CALLS } from '@frookoon/contract';
import { AppError } from '../errors/app-error';
import { toAppError, isUnexpected } from '../errors/to-app-error';
import { createContextFromRequest, type AppServices } from '../trpc/context';
import { appRouter } from '../trpc/routers/_app';
import { corsMiddleware } from './cors';
import { sendProblem } from './problem';
import { toProblem } from '../errors/problem';
import { requestId } from './request-id';
import { requestLogging } from './request-log';
import { SECURITY_POLICY, securityHeaders } from './security-headers';
import { REST_BASE } from './openapi';
import { restRouter } from './rest';
import { httpMetrics } from '../telemetry/http-metrics';

const READY_TIMEOUT_MS = 1500;

function parseBytes(limit: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(limit.trim());
  if (!match) throw new Error(`Unreadable body limit: ${limit}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(match[1]) * unit);
}

async function databaseAnswers(services: AppServices): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
  });
  const probe = services.orm.em
    .getConnection()
    .execute('select 1')
    .then(() => true)
    .catch(() => false);
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The whole HTTP surface: tRPC at `/trpc`, REST at `/api/v1`, health probes; one error pipeline. */
export function createApp(services: AppServices): express.Express {
  const { config, log } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);

  if (services.metrics) app.use(httpMetrics(services.metrics, { path: '/trpc', procedures: Object.keys(appRouter._def.procedures) }));
  app.use(requestId);
  app.use(requestLogging(app, log, { quiet: (req) => req.url === '/healthz' || req.url === '/readyz' }));
  app.use(securityHeaders(SECURITY_POLICY));
  app.use(corsMiddleware(config.corsOrigins));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (req, res) => {
    if (await databaseAnswers(services)) {
      res.json({ status: 'ready' });
      return;
    }
    const problem = toProblem(new AppError('SERVICE_UNAVAILABLE', 'The database does not answer'), { instance: '/readyz', requestId: req.requestId });
    sendProblem(res, problem, { 'Retry-After': '5' });
  });

  app.use(
    '/trpc',
    createExpressMiddleware({
      router: appRouter,
      createContext: ({ req, info }) => createContextFromRequest(services, req, undefined, info.connectionParams),
      maxBodySize: parseBytes(config.bodyLimit),
      // One request cannot carry thousands of calls (each login one password hash); the SDK splits at the same size.
      maxBatchSize: MAX_BATCH_CALLS,
      onError: ({ error, req }) => {
        // Procedure errors were logged by the pipeline; these come from the transport (bad batch, bad JSON).
        if (error.cause instanceof AppError) return;
        req.log.info({ error_code: toAppError(error).code, err: error }, 'tRPC request refused');
      },
    }),
  );
  app.use(REST_BASE, restRouter(services, appRouter, config.bodyLimit));

  app.use((req, res) => {
    const problem = toProblem(new AppError('NOT_FOUND', `No route ${req.method} ${req.path}`), { instance: req.path, requestId: req.requestId });
    sendProblem(res, problem);
  });

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const type = (err as { type?: string }).type;
    const appError =
      type === 'entity.too.large'
        ? new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${config.bodyLimit}`)
        : type === 'entity.parse.failed'
          ? new AppError('VALIDATION_ERROR', 'The request body is not valid JSON', { errors: [{ field: 'body', message: 'Malformed JSON' }] })
          : toAppError(err);
    if (isUnexpected(appError)) req.log.error({ err }, 'unexpected error');
    if (res.headersSent) return;
    sendProblem(res, toProblem(appError, { instance: req.originalUrl.split('?')[0] ?? req.path, requestId: req.requestId }), appError.headers);
  };
  app.use(onError);
  return app;
}

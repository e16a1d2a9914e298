import { SpanStatusCode, trace } from '@opentelemetry/api';
import { toAppError } from '../errors/to-app-error';
import { REQUEST_ID_ATTRIBUTE } from '../telemetry/attributes';
import { middleware } from './init';

const tracer = trace.getTracer('@frookoon/server');

/**
 * Every procedure call as a span (a no-op unless tracing is on), under the HTTP request's span and above its SQL,
 * and its outcome counted when metrics are on. Outermost, so that it sees the error code the pipeline settled on.
 */
export const observeProcedure = middleware(({ ctx, path, type, next }) =>
  tracer.startActiveSpan(`trpc ${path}`, async (span) => {
    try {
      if (span.isRecording()) span.setAttributes({ 'rpc.system': 'trpc', 'rpc.method': path, 'trpc.type': type, [REQUEST_ID_ATTRIBUTE]: ctx.requestId });
      const result = await next();
      const error = result.ok ? undefined : toAppError(result.error);
      if (error) {
        span.setAttribute('frookoon.error_code', error.code);
        if (error.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
      }
      ctx.metrics?.procedureDone(path, error?.code);
      return result;
    } finally {
      span.end();
    }
  }),
);

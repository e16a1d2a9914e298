import { SpanStatusCode, trace } from '@opentelemetry/api';
import { toAppError } from '../errors/to-app-error';
import { REQUEST_ID_ATTRIBUTE } from '../telemetry/attributes';
import type { Context } from './context';

const tracer = trace.getTracer('@frookoon/server');

/**
 * One procedure call as a span (a no-op unless tracing is on), under the HTTP request's span and above its SQL, and
 * its outcome counted when metrics are on: the error code of what `call` threw, as the pipeline settled it.
 */
export function observeCall<T>(ctx: Context, path: string, type: string, call: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(`trpc ${path}`, async (span) => {
    try {
      if (span.isRecording()) span.setAttributes({ 'rpc.system': 'trpc', 'rpc.method': path, 'trpc.type': type, [REQUEST_ID_ATTRIBUTE]: ctx.requestId });
      const value = await call();
      ctx.metrics?.procedureDone(path, undefined);
      return value;
    } catch (err) {
      const error = toAppError(err);
      span.setAttribute('frookoon.error_code', error.code);
      if (error.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
      ctx.metrics?.procedureDone(path, error.code);
      throw err;
    } finally {
      span.end();
    }
  });
}

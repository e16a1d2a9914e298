/**
 * OpenTelemetry traces (HTTP → tRPC procedure → SQL), sent as OTLP/HTTP JSON when `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set and `OTEL_SDK_DISABLED` is not `true`. Otherwise nothing here
 * runs and the SDK is never loaded, so tracing costs nothing by default. `main.ts` imports this module before any
 * other: the http and pg instrumentations patch those modules when they are required (node:http by express as it
 * loads, pg by the database driver), so they must be registered first. The exporter reads its own settings
 * (`OTEL_EXPORTER_OTLP_HEADERS`, `…_TIMEOUT`); the resource reads `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.
 */
import { createRequire } from 'node:module';
import type * as Api from '@opentelemetry/api';
import type * as ContextAsyncHooks from '@opentelemetry/context-async-hooks';
import type * as Core from '@opentelemetry/core';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as Instrumentation from '@opentelemetry/instrumentation';
import type * as OtelHttp from '@opentelemetry/instrumentation-http';
import type * as OtelPg from '@opentelemetry/instrumentation-pg';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkTrace from '@opentelemetry/sdk-trace';
import { REQUEST_ID_ATTRIBUTE, SERVICE_NAME } from './attributes';

export interface Tracing {
  /** Sends the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

// Loaded synchronously and only when tracing is on: the instrumentations must be in place before the modules
// this one's importer loads next.
const load = createRequire(import.meta.url);

function startTracing(): Tracing {
  const { context, propagation, trace } = load('@opentelemetry/api') as typeof Api;
  const { AsyncLocalStorageContextManager } = load('@opentelemetry/context-async-hooks') as typeof ContextAsyncHooks;
  const { W3CTraceContextPropagator } = load('@opentelemetry/core') as typeof Core;
  const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
  const { registerInstrumentations } = load('@opentelemetry/instrumentation') as typeof Instrumentation;
  const { HttpInstrumentation } = load('@opentelemetry/instrumentation-http') as typeof OtelHttp;
  const { PgInstrumentation } = load('@opentelemetry/instrumentation-pg') as typeof OtelPg;
  const { defaultResource, detectResources, envDetector, resourceFromAttributes } = load('@opentelemetry/resources') as typeof Resources;
  const { BatchSpanProcessor, TracerProvider } = load('@opentelemetry/sdk-trace') as typeof SdkTrace;

  const provider = new TracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ 'service.name': SERVICE_NAME }))
      .merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // The request id is only known once the app has answered (it may come from the caller's X-Request-Id).
        applyCustomAttributesOnSpan: (span, _request, response) => {
          const id = 'getHeader' in response ? response.getHeader('x-request-id') : undefined;
          if (typeof id === 'string') span.setAttribute(REQUEST_ID_ATTRIBUTE, id);
        },
      }),
      new PgInstrumentation(),
    ],
  });
  return { shutdown: () => provider.shutdown() };
}

const endpoint = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

export const tracing: Tracing | undefined = endpoint && process.env.OTEL_SDK_DISABLED !== 'true' ? startTracing() : undefined;

import express, { type Request, type Response } from 'express';
import { forEachOpenApiProcedure, getPathRegExp, normalizePath, type OpenApiMethod } from 'trpc-to-openapi';
import { AppError } from '../errors/app-error';
import { toAppError } from '../errors/to-app-error';
import { createContextFromRequest, type AppServices } from '../trpc/context';
import { createCallerFactory } from '../trpc/init';
import type { AppRouter } from '../trpc/routers/_app';
import { buildOpenApiDocument, isCreation, REST_BASE } from './openapi';
import { sendProblem } from './problem';
import { toProblem } from '../errors/problem';
import { labelRoute } from '../telemetry/http-metrics';

interface Route {
  method: OpenApiMethod;
  /** The path as the REST document writes it (`/orders/{id}`). */
  template: string;
  pattern: RegExp;
  procedure: string[];
  /** Answers `201 Created` with the `Location` of what it made (see `creates`). */
  creates: boolean;
}

type CallerFn = (input: unknown) => Promise<unknown>;

/** `Allow` lists what a path supports, HEAD wherever GET is. */
function methodNotAllowed(method: string, instance: string, methods: readonly string[]): AppError {
  const allow = [...new Set(methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])))].join(', ');
  return new AppError('METHOD_NOT_ALLOWED', `${method} is not supported on ${instance}; use ${allow}`, { headers: { Allow: allow } });
}

/**
 * The REST face: each procedure with `openapi` meta answers at its path, through a server-side caller,
 * so both faces share one pipeline and every error body is exactly the problem object.
 */
export function restRouter(services: AppServices, appRouter: AppRouter, bodyLimit: string): express.Router {
  const routes: Route[] = [];
  forEachOpenApiProcedure(appRouter._def.procedures, ({ path, type, meta: { openapi } }) => {
    if (type === 'subscription') return;
    const template = normalizePath(openapi.path);
    routes.push({ method: openapi.method, template, pattern: getPathRegExp(template), procedure: path.split('.'), creates: isCreation(openapi) });
  });
  // Routes by the first segment of their path, so that a request tries the few patterns that can match it.
  const bySegment = new Map<string, Route[]>();
  for (const route of routes) {
    const segment = firstSegment(route.template);
    bySegment.set(segment, [...(bySegment.get(segment) ?? []), route]);
  }
  if ([...bySegment.keys()].some((segment) => segment.startsWith('{'))) throw new Error('A REST path must start with a fixed segment');
  const createCaller = createCallerFactory(appRouter);
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;

  const rest = express.Router();
  rest
    .route('/openapi.json')
    .all((_req, res, next) => {
      labelRoute(res, `${REST_BASE}/openapi.json`);
      next();
    })
    .get((_req, res) => {
      document ??= buildOpenApiDocument(appRouter);
      res.json(document);
    })
    .all((req) => {
      throw methodNotAllowed(req.method, req.originalUrl.split('?')[0] ?? req.path, ['GET']);
    });
  rest.use(express.json({ limit: bodyLimit }));
  rest.use(async (req: Request, res: Response) => {
    const instance = req.originalUrl.split('?')[0] ?? req.path;
    const path = normalizePath(req.path);
    const candidates = (bySegment.get(firstSegment(path)) ?? []).filter((r) => r.pattern.test(path));
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const route = candidates.find((r) => r.method === method);
    const matched = route ?? candidates[0];
    if (matched) labelRoute(res, REST_BASE + matched.template);
    try {
      if (!route) {
        throw candidates.length > 0
          ? methodNotAllowed(req.method, instance, candidates.map((r) => r.method))
          : new AppError('NOT_FOUND', `No route ${req.method} ${instance}`);
      }
      // Only JSON is parsed: any other body (a form, plain text) would otherwise arrive as no body at all.
      if (method !== 'GET' && sentBody(req) && !req.is('application/json')) {
        throw new AppError('VALIDATION_ERROR', `The body was sent as ${req.get('content-type') ?? 'no content type'}; send Content-Type: application/json`, {
          errors: [{ field: 'body', message: 'Send the body as JSON with Content-Type: application/json' }],
        });
      }
      const params = route.pattern.exec(path)?.groups ?? {};
      const payload: unknown = method === 'GET' ? req.query : req.body;
      const input = { ...(isPlainObject(payload) ? payload : {}), ...params };
      const caller = createCaller(createContextFromRequest(services, req, instance)) as unknown as Record<string, unknown>;
      const fn = route.procedure.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as CallerFn;
      const data = await fn(method !== 'GET' && payload !== undefined && !isPlainObject(payload) ? payload : input);
      if (route.creates) res.status(201).location(`${REST_BASE}${path}/${(data as { id: string }).id}`);
      if (method === 'GET') res.json(data ?? null);
      // The answer to a change is not compared with a cached copy: no ETag to hash, no freshness to check.
      else res.type('json').end(JSON.stringify(data ?? null));
    } catch (err) {
      const appError = toAppError(err);
      sendProblem(res, toProblem(appError, { instance, requestId: req.requestId }), appError.headers);
    }
  });
  return rest;
}

/** `orders` of `/orders/{id}/pay`. */
function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
}

/** `Content-Length: 0` is no body, whatever its type. */
function sentBody(req: Request): boolean {
  return req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import type { Request, RequestHandler, Response } from 'express';
import type { Metrics } from './metrics';

const routes = new WeakMap<Response, string>();

/** Names the route template a response answers (`/api/v1/orders/{id}`), the label its request is counted under. */
export function labelRoute(res: Response, template: string): void {
  routes.set(res, template);
}

/**
 * Counts and times every request by method, route template and status. Labels never carry what the caller
 * sent: a path that matched no route is `unmatched`, a tRPC call names its procedure only when it exists, and a
 * batch of several calls is `{batch}`.
 */
export function httpMetrics(metrics: Metrics, trpc: { path: string; procedures: readonly string[] }): RequestHandler {
  const procedures = new Set(trpc.procedures);
  const trpcPrefix = `${trpc.path}/`;
  const routeOf = (req: Request, res: Response): string => {
    const labelled = routes.get(res);
    if (labelled) return labelled;
    if (req.originalUrl.startsWith(trpcPrefix)) {
      const called = req.originalUrl.slice(trpcPrefix.length).split('?')[0]!;
      if (called.includes(',')) return `${trpcPrefix}{batch}`;
      return procedures.has(called) ? trpcPrefix + called : `${trpcPrefix}{unknown}`;
    }
    // An app-level route (`/healthz`) keeps its own path; the REST router labels its routes itself.
    const path = (req.route as { path?: unknown } | undefined)?.path;
    return typeof path === 'string' ? path : 'unmatched';
  };
  return (req, res, next) => {
    const started = performance.now();
    res.once('close', () => metrics.httpRequestDone(req.method, routeOf(req, res), res.statusCode, (performance.now() - started) / 1000));
    next();
  };
}

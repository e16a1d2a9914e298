import type { Express, Request, RequestHandler } from 'express';
import type { Logger } from '../logger';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request's logger, whose lines carry its `request_id`; made the first time it is read. */
      log: Logger;
    }
  }
}

export interface RequestLogOptions {
  /** Requests that write no line of their own (health probes); their `req.log` works as any other's. */
  quiet(req: Request): boolean;
}

/**
 * Gives each request of `app` its logger and writes one line when its response ends: `request completed` at info,
 * `request errored` at error for a 5xx, with the method, the path without its query string (a subscription's ticket
 * stays out of the log), the status and the time taken. Neither costs a request anything it does not use: the
 * child logger is made when something logs through `req.log`, and the line only when its level is on.
 */
export function requestLogging(app: Express, log: Logger, options: RequestLogOptions): RequestHandler {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request): Logger {
      const child = log.child({ request_id: this.requestId });
      Object.defineProperty(this, 'log', { value: child, writable: true, configurable: true });
      return child;
    },
  });
  return (req, res, next) => {
    if (!options.quiet(req) && log.isLevelEnabled('error')) {
      const started = performance.now();
      res.once('close', () => {
        const failed = res.statusCode >= 500;
        const level = failed ? 'error' : 'info';
        if (!log.isLevelEnabled(level)) return;
        const line = {
          req: { method: req.method, url: req.originalUrl.split('?')[0] },
          res: { status: res.statusCode },
          responseTime: Math.round(performance.now() - started),
          // The caller went away before the response was all sent.
          ...(res.writableFinished ? {} : { aborted: true }),
        };
        req.log[level](line, failed ? 'request errored' : 'request completed');
      });
    }
    next();
  };
}

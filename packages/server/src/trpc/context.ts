import type { MikroORM } from '@mikro-orm/postgresql';
import type { Request } from 'express';
import type { Config } from '../config';
import type { Logger } from '../logger';
// Brings the request augmentations (`req.requestId`, `req.log`) into every program that sees the context.
import type {} from '../http/request-id';
import type {} from 'pino-http';

/** What every procedure can reach; built once per HTTP request (one tRPC batch or one REST call). */
export interface Context {
  orm: MikroORM;
  config: Config;
  log: Logger;
  requestId: string;
  /** The raw `Authorization` header; resolved to an actor only by procedures that need one. */
  authorization: string | undefined;
  /** The `Idempotency-Key` header, if sent. */
  idempotencyKey: string | undefined;
  /** The REST path that was called; for tRPC calls the problem `instance` is `/trpc/<procedure>`. */
  instance: string | undefined;
}

export interface AppServices {
  orm: MikroORM;
  config: Config;
  log: Logger;
}

export function createContextInner(
  services: AppServices,
  request: { requestId: string; authorization?: string; idempotencyKey?: string; instance?: string; log?: Logger },
): Context {
  return {
    ...services,
    log: request.log ?? services.log.child({ request_id: request.requestId }),
    requestId: request.requestId,
    authorization: request.authorization,
    idempotencyKey: request.idempotencyKey,
    instance: request.instance,
  };
}

export function createContextFromRequest(services: AppServices, req: Request, instance?: string): Context {
  return createContextInner(services, {
    requestId: req.requestId,
    authorization: req.get('authorization'),
    idempotencyKey: req.get('idempotency-key'),
    instance,
    log: req.log,
  });
}

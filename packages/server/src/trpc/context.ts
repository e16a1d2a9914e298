import type { MikroORM } from '@mikro-orm/postgresql';
import type { Request } from 'express';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { PaymentGateway } from '../domain/payments/payment-gateway';
import type { OrderEventsHub } from '../events/order-events.hub';
import type { StreamGuard } from '../domain/auth/stream-guard';
import type { TokenCache } from '../domain/auth/token-cache';
import type { Metrics } from '../telemetry/metrics';
import type { RateLimiter } from '../limits/rate-limiter';
// Brings the request augmentations (`req.requestId`, `req.log`) into every program that sees the context.
import type {} from '../http/request-id';
import type {} from '../http/request-log';

/**
 * The server's parts every procedure can reach. Each member is marked internal: the SDK's declarations are built
 * with `stripInternal`, so the router type that clients receive carries none of the server's types.
 */
export interface AppServices {
  /** @internal */
  orm: MikroORM;
  /** @internal */
  config: Config;
  /** @internal */
  log: Logger;
  /** @internal */
  paymentGateway: PaymentGateway;
  /** @internal */
  orderEvents: OrderEventsHub;
  /** @internal */
  rateLimiter: RateLimiter;
  /** @internal */
  streams: StreamGuard;
  /**
   * Principals of recently seen tokens (`TOKEN_CACHE_MS`), forgotten as soon as a revocation is heard.
   * @internal
   */
  tokens: TokenCache;
  /**
   * Asks the outbox dispatcher to run now rather than at its next poll.
   * @internal
   */
  pokeOutbox(): void;
  /**
   * The server's Prometheus series; none with `METRICS_PORT=off`.
   * @internal
   */
  metrics?: Metrics;
}

/** What every procedure can reach; built once per HTTP request (one tRPC batch or one REST call). */
export interface Context extends Omit<AppServices, 'log'> {
  /**
   * The request's logger, whose lines carry its `request_id`; made the first time it is asked for.
   * @internal
   */
  requestLog(): Logger;
  /** @internal */
  requestId: string;
  /**
   * The raw `Authorization` header; resolved to an actor only by procedures that need one.
   * @internal
   */
  authorization: string | undefined;
  /**
   * The `Idempotency-Key` header, if sent.
   * @internal
   */
  idempotencyKey: string | undefined;
  /**
   * The subscription ticket a live subscription was opened with (its connection parameter), if any.
   * @internal
   */
  subscriptionTicket: string | undefined;
  /**
   * The caller's address: the socket's, or `X-Forwarded-For`'s when `TRUST_PROXY` trusts the proxy.
   * @internal
   */
  clientIp: string;
  /**
   * The REST path that was called; for tRPC calls the problem `instance` is `/trpc/<procedure>`.
   * @internal
   */
  instance: string | undefined;
}

/**
 * `connectionParams` carry a subscription ticket for server-sent-event subscriptions, which a browser's
 * EventSource cannot authenticate with a header: a single-use ticket in the URL, never the bearer token.
 */
export function createContextFromRequest(
  services: AppServices,
  req: Request,
  instance?: string,
  connectionParams?: Record<string, string | undefined> | null,
): Context {
  const { log: _serverLog, ...parts } = services;
  return {
    ...parts,
    requestLog: () => req.log,
    requestId: req.requestId,
    authorization: req.get('authorization'),
    idempotencyKey: req.get('idempotency-key'),
    subscriptionTicket: connectionParams?.ticket,
    clientIp: req.ip ?? 'unknown',
    instance,
  };
}

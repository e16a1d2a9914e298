import { TRPCError } from '@trpc/server';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from './context';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { z } from 'zod';
import type { Role } from '@frookoon/contract';
import { AppError } from '../errors/app-error';
import { isUnexpected, toAppError } from '../errors/to-app-error';
import { authenticate, authenticateSubscription, isTokenLive } from '../domain/auth/auth.service';
import { baseProcedure, middleware } from './init';
import { observeCall } from './telemetry';

const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 402: 'PAYMENT_REQUIRED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_SUPPORTED',
  409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 422: 'UNPROCESSABLE_CONTENT', 429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR', 503: 'SERVICE_UNAVAILABLE',
};

/**
 * The pipeline of every procedure, one middleware so that a call pays for one context copy: a span and the call's
 * metrics (`observeCall`); a fresh identity map (a tRPC batch shares one context but never one unit of work);
 * whatever was thrown becomes an `AppError`, is logged once, and travels as a TRPCError whose code carries the
 * problem's HTTP status (the error formatter builds the body); and a mutation, which may have written outbox
 * events, has them dispatched soon rather than at the next poll.
 */
const pipeline = middleware(({ ctx, next, path, type }) =>
  observeCall(ctx, path, type, async () => {
    // Filled in by authentication further down the chain, so that refusals are logged with the user.
    const call: { userId?: string } = {};
    const result = await next({ ctx: { call, em: ctx.orm.em.fork() } });
    if (type === 'mutation') ctx.pokeOutbox();
    if (result.ok) return result;
    const appError = toAppError(result.error);
    const fields = { path, error_code: appError.code, field: appError.field, user_id: call.userId };
    const log = ctx.requestLog();
    if (isUnexpected(appError)) {
      log.error({ ...fields, err: appError.cause ?? appError }, 'unexpected error');
    } else if (type === 'mutation' && appError.status < 500) {
      log.warn(fields, `${path} refused: ${appError.code}`);
    } else {
      log.info(fields, `${path} failed: ${appError.code}`);
    }
    throw new TRPCError({ code: TRPC_CODE_BY_STATUS[appError.status] ?? 'INTERNAL_SERVER_ERROR', message: appError.message, cause: appError });
  }),
);

export const publicProcedure = baseProcedure.use(pipeline);

/** What every procedure's context holds once the pipeline ran. */
type PipelineContext = Context & { call: { userId?: string }; em: EntityManager };

/** The actor behind the token (`UNAUTHORIZED` without a live one), refused with `FORBIDDEN` outside `roles`. */
async function resolveActor(ctx: PipelineContext, roles?: readonly Role[]) {
  const actor = await authenticate(ctx.em, ctx.tokens, ctx.authorization);
  ctx.call.userId = actor.userId;
  if (roles && !roles.includes(actor.role)) {
    throw new AppError('FORBIDDEN', `Only ${roles.join(' or ')} accounts may do this`);
  }
  return actor;
}

/** The middlewares that resolve a token, whatever roles they admit; read by `requiresToken`. */
const authenticating = new WeakSet<object>();

/** `procedure` with its last middleware (the one just added) marked as authenticating. */
function markAuthenticating<P extends { _def: { middlewares: unknown[] } }>(procedure: P): P {
  authenticating.add(procedure._def.middlewares.at(-1) as object);
  return procedure;
}

export const authedProcedure = markAuthenticating(publicProcedure.use(async ({ ctx, next }) => next({ ctx: { actor: await resolveActor(ctx) } })));

/**
 * Live subscriptions: opened with a single-use ticket (its connection parameter) or a bearer header, and held
 * open only within the stream limits (count per user, duration, the token staying live).
 */
export const subscriptionProcedure = publicProcedure.use(async ({ ctx, next, signal }) => {
  const actor = await authenticateSubscription(ctx.em, ctx.tokens, ctx.subscriptionTicket, ctx.authorization);
  ctx.call.userId = actor.userId;
  const lease = ctx.streams.lease(actor, () => isTokenLive(ctx.orm.em.fork(), actor.tokenHash), signal);
  return next({ ctx: { actor, lease } });
});

/**
 * Whether a procedure can only be called with a token, read from its middleware chain rather than declared, so
 * that the REST document secures exactly the operations that authenticate.
 */
export function requiresToken(procedure: { _def: object }): boolean {
  // A built procedure keeps the middleware chain of its builder; tRPC only leaves it out of the type.
  const { middlewares } = procedure._def as { middlewares?: unknown[] };
  return middlewares?.some((fn) => authenticating.has(fn as object)) ?? false;
}

/**
 * OpenAPI meta of a procedure that creates a member of the collection at its path: over REST it answers
 * `201 Created` with `Location: {path}/{id}` (the `id` of what it returns), and the document says so.
 */
export function creates(what: string) {
  return {
    successDescription: `Created ${what}`,
    responseHeaders: z.object({ location: z.string().meta({ description: `URL of ${what}: the collection's path, then its id` }) }),
  };
}

/** Only the given roles; anyone else authenticated gets `FORBIDDEN`. */
export function roleProcedure(...roles: Role[]) {
  return markAuthenticating(publicProcedure.use(async ({ ctx, next }) => next({ ctx: { actor: await resolveActor(ctx, roles) } })));
}

/**
 * A customer creating orders or checkouts: each call that reads what it orders is counted against its token
 * (`RATE_ORDERS`) in that read's round trip, and refused with `RATE_LIMITED` past the limit before anything is
 * written; a token over its limit is refused at once, from memory.
 */
export const orderingProcedure = markAuthenticating(
  publicProcedure.use(async ({ ctx, next }) => {
    const actor = await resolveActor(ctx, ['customer']);
    const ordering = {
      em: ctx.em, actor, requestId: ctx.requestId, lockTimeoutMs: ctx.config.stockLockTimeoutMs, idempotencyKey: ctx.idempotencyKey,
      pendingCap: { orders: ctx.config.maxPendingOrders, units: ctx.config.maxPendingUnits },
      counted: ctx.rateLimiter.countWith('orders', actor.tokenHash),
    };
    return next({ ctx: { actor, ordering } });
  }),
);

/** The REST face of a creation that reserves stock: 201 with `Location`, and an `Idempotency-Key` to retry it safely. */
export function createsIdempotently(what: string) {
  return {
    ...creates(what),
    requestHeaders: z.object({ 'idempotency-key': z.string().min(1).max(255).optional() }),
    errorResponses: [400, 401, 403, 404, 409, 413, 422, 429, 503],
  };
}

import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { ProblemDetails } from '@frookoon/contract';
import type { Context } from './context';
import { toProblem } from '../errors/problem';

/** What a procedure declares about itself: its REST route. Server-only, like the context (see `AppServices`). */
export type ProcedureMeta = {
  /** @internal */
  openapi?: OpenApiMeta['openapi'];
};

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error, ctx, path }) {
      const problem: ProblemDetails = toProblem(error, {
        instance: ctx?.instance ?? `/trpc/${path ?? ''}`,
        requestId: ctx?.requestId ?? 'req_unknown',
      });
      return { ...shape, message: problem.detail, data: { ...shape.data, stack: undefined, problem } };
    },
  });

export const router = t.router;
export const middleware = t.middleware;
export const baseProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;

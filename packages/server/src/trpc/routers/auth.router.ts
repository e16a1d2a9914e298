import { z } from 'zod';
import type { EntityManager } from '@mikro-orm/postgresql';
import * as auth from '../../domain/auth/auth.service';
import { ZAuthResult, ZLoginInput, ZRegisterInput, ZUser } from '../../domain/auth/auth.schemas';
import { authedProcedure, publicProcedure } from '../procedures';
import { router } from '../init';
import type { Context } from '../context';

const publicAuthDeps = (ctx: Context & { em: EntityManager }) => ({
  em: ctx.em, tokenTtlMs: ctx.config.tokenTtlMs, rateLimiter: ctx.rateLimiter, clientIp: ctx.clientIp,
});

export const authRouter = router({
  register: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/register', tags: ['auth'], summary: 'Create a customer account', errorResponses: [400, 429, 500] } })
    .input(ZRegisterInput)
    .output(ZAuthResult)
    .mutation(({ ctx, input }) => auth.register(publicAuthDeps(ctx), input)),

  login: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/login', tags: ['auth'], summary: 'Exchange email and password for a token', errorResponses: [400, 401, 429, 500] } })
    .input(ZLoginInput)
    .output(ZAuthResult)
    .mutation(({ ctx, input }) => auth.login(publicAuthDeps(ctx), input)),

  logout: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/logout', tags: ['auth'], summary: 'Revoke the token in use' } })
    .input(z.object({}).optional())
    .output(z.object({ revoked: z.boolean() }))
    .mutation(({ ctx }) => auth.logout(ctx)),

  logoutAll: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/logout-all', tags: ['auth'], summary: 'Revoke every token of the calling user' } })
    .input(z.object({}).optional())
    .output(z.object({ revoked: z.number().int() }))
    .mutation(({ ctx }) => auth.logoutAll(ctx)),

  subscriptionTicket: authedProcedure
    .meta({
      openapi: {
        method: 'POST', path: '/auth/subscription-ticket', tags: ['auth'],
        summary: 'A single-use ticket, valid for a minute, that opens one live subscription (its `ticket` connection parameter)',
      },
    })
    .input(z.object({}).optional())
    .output(z.object({ ticket: z.string(), expiresAt: z.date() }))
    .mutation(({ ctx }) => auth.issueSubscriptionTicket(ctx)),

  me: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/auth/me', tags: ['auth'], summary: 'The calling user' } })
    .input(z.object({}).optional())
    .output(ZUser)
    .query(({ ctx }) => auth.me(ctx)),
});

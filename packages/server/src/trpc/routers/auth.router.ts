import { z } from 'zod';
import * as auth from '../../domain/auth/auth.service';
import { ZAuthResult, ZLoginInput, ZRegisterInput, ZUser } from '../../domain/auth/auth.schemas';
import { authedProcedure, publicProcedure } from '../procedures';
import { router } from '../init';

export const authRouter = router({
  register: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/register', tags: ['auth'], summary: 'Create a customer account' } })
    .input(ZRegisterInput)
    .output(ZAuthResult)
    .mutation(({ ctx, input }) => auth.register({ em: ctx.em, tokenTtlMs: ctx.config.tokenTtlMs }, input)),

  login: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/login', tags: ['auth'], summary: 'Exchange email and password for a token', errorResponses: [400, 401, 500] } })
    .input(ZLoginInput)
    .output(ZAuthResult)
    .mutation(({ ctx, input }) => auth.login({ em: ctx.em, tokenTtlMs: ctx.config.tokenTtlMs }, input)),

  logout: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/logout', tags: ['auth'], summary: 'Revoke the token in use' } })
    .input(z.object({}).optional())
    .output(z.object({ revoked: z.boolean() }))
    .mutation(({ ctx }) => auth.logout(ctx)),

  me: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/auth/me', tags: ['auth'], summary: 'The calling user' } })
    .input(z.object({}).optional())
    .output(ZUser)
    .query(({ ctx }) => auth.me(ctx)),
});

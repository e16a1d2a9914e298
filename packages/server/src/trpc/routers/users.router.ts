import * as auth from '../../domain/auth/auth.service';
import { ZCreateUserInput, ZUser } from '../../domain/auth/auth.schemas';
import { z } from 'zod';
import { authedProcedure, creates, roleProcedure } from '../procedures';
import { ZId } from '../../domain/shared/schemas';
import { router } from '../init';

export const usersRouter = router({
  create: roleProcedure('admin')
    .meta({ openapi: { method: 'POST', path: '/users', tags: ['users'], summary: 'Create an account of any role', ...creates('the account') } })
    .input(ZCreateUserInput)
    .output(ZUser)
    .mutation(({ ctx, input }) => auth.createUser(ctx, input)),

  byId: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/{id}', tags: ['users'], summary: 'An account: admins read any, anyone their own' } })
    .input(z.object({ id: ZId }))
    .output(ZUser)
    .query(({ ctx, input }) => auth.getUser(ctx, input.id)),
});

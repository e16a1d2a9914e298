import * as auth from '../../domain/auth/auth.service';
import { ZCreateUserInput, ZUser } from '../../domain/auth/auth.schemas';
import { creates, roleProcedure } from '../procedures';
import { router } from '../init';

export const usersRouter = router({
  create: roleProcedure('admin')
    .meta({ openapi: { method: 'POST', path: '/users', tags: ['users'], summary: 'Create an account of any role', ...creates('the account') } })
    .input(ZCreateUserInput)
    .output(ZUser)
    .mutation(({ ctx, input }) => auth.createUser(ctx, input)),
});

import * as auth from '../../domain/auth/auth.service';
import { ZCreateVendorInput, ZVendor } from '../../domain/auth/auth.schemas';
import { z } from 'zod';
import { creates, publicProcedure, roleProcedure } from '../procedures';
import { ZId } from '../../domain/shared/schemas';
import { router } from '../init';

export const vendorsRouter = router({
  create: roleProcedure('admin')
    .meta({ openapi: { method: 'POST', path: '/vendors', tags: ['vendors'], summary: 'Create a vendor', ...creates('the vendor') } })
    .input(ZCreateVendorInput)
    .output(ZVendor)
    .mutation(({ ctx, input }) => auth.createVendor(ctx, input)),

  byId: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/vendors/{id}', tags: ['vendors'], summary: 'A vendor' } })
    .input(z.object({ id: ZId }))
    .output(ZVendor)
    .query(({ ctx, input }) => auth.getVendor(ctx, input.id)),
});

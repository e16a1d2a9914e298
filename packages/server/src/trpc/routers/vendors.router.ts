import * as auth from '../../domain/auth/auth.service';
import { ZCreateVendorInput, ZVendor } from '../../domain/auth/auth.schemas';
import { roleProcedure } from '../procedures';
import { router } from '../init';

export const vendorsRouter = router({
  create: roleProcedure('admin')
    .meta({ openapi: { method: 'POST', path: '/vendors', tags: ['vendors'], summary: 'Create a vendor' } })
    .input(ZCreateVendorInput)
    .output(ZVendor)
    .mutation(({ ctx, input }) => auth.createVendor(ctx, input)),
});

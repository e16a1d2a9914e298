import * as auth from '../../domain/auth/auth.service';
import { ZCreateVendorInput, ZVendor } from '../../domain/auth/auth.schemas';
import { creates, roleProcedure } from '../procedures';
import { router } from '../init';

export const vendorsRouter = router({
  create: roleProcedure('admin')
    .meta({ openapi: { method: 'POST', path: '/vendors', tags: ['vendors'], summary: 'Create a vendor', ...creates('the vendor') } })
    .input(ZCreateVendorInput)
    .output(ZVendor)
    .mutation(({ ctx, input }) => auth.createVendor(ctx, input)),
});

import { z } from 'zod';
import * as addresses from '../../domain/addresses/addresses.service';
import { ZAddress, ZCreateAddressInput } from '../../domain/addresses/addresses.schemas';
import { creates, roleProcedure } from '../procedures';
import { router } from '../init';
import { ZId } from '../../domain/shared/schemas';

export const addressesRouter = router({
  create: roleProcedure('customer')
    .meta({ openapi: { method: 'POST', path: '/addresses', tags: ['addresses'], summary: 'Add a delivery address', ...creates('the address') } })
    .input(ZCreateAddressInput)
    .output(ZAddress)
    .mutation(({ ctx, input }) => addresses.createAddress(ctx, input)),

  list: roleProcedure('customer')
    .meta({ openapi: { method: 'GET', path: '/addresses', tags: ['addresses'], summary: 'Your delivery addresses' } })
    .input(z.object({}).optional())
    .output(z.array(ZAddress))
    .query(({ ctx }) => addresses.listAddresses(ctx)),

  byId: roleProcedure('customer')
    .meta({ openapi: { method: 'GET', path: '/addresses/{id}', tags: ['addresses'], summary: 'One of your delivery addresses' } })
    .input(z.object({ id: ZId }))
    .output(ZAddress)
    .query(({ ctx, input }) => addresses.getAddress(ctx, input.id)),
});

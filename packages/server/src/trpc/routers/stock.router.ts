import * as catalog from '../../domain/catalog/catalog.service';
import { z } from 'zod';
import { ZStock, ZStockAdjustInput, ZStockAudit, ZStockGetInput } from '../../domain/catalog/catalog.schemas';
import { publicProcedure, roleProcedure } from '../procedures';
import { router } from '../init';

export const stockRouter = router({
  get: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/stock/{productId}', tags: ['stock'], summary: 'Units in stock for a product' } })
    .input(ZStockGetInput)
    .output(ZStock)
    .query(({ ctx, input }) => catalog.getStock(ctx, input.productId)),

  adjust: roleProcedure('vendor', 'admin')
    .meta({ openapi: { method: 'POST', path: '/stock/{productId}/adjust', tags: ['stock'], summary: 'Correct the stock (never below zero)' } })
    .input(ZStockAdjustInput)
    .output(ZStock)
    .mutation(({ ctx, input }) => catalog.adjustStock({ ...ctx, lockTimeoutMs: ctx.config.stockLockTimeoutMs }, input)),

  audit: roleProcedure('admin')
    .meta({ openapi: { method: 'GET', path: '/admin/stock-audit', tags: ['stock'], summary: 'Check that every stock equals the sum of its ledger' } })
    .input(z.object({}).optional())
    .output(ZStockAudit)
    .query(({ ctx }) => catalog.auditStock(ctx)),
});

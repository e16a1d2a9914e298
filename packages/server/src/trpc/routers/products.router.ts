import * as catalog from '../../domain/catalog/catalog.service';
import { ZCreateProductInput, ZProduct, ZProductByIdInput, ZProductListInput, ZProductPage } from '../../domain/catalog/catalog.schemas';
import { creates, publicProcedure, roleProcedure } from '../procedures';
import { router } from '../init';

export const productsRouter = router({
  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/products', tags: ['products'], summary: 'Products with their stock, oldest first' } })
    .input(ZProductListInput)
    .output(ZProductPage)
    .query(({ ctx, input }) => catalog.listProducts(ctx, input)),

  byId: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/products/{id}', tags: ['products'], summary: 'One product with its stock' } })
    .input(ZProductByIdInput)
    .output(ZProduct)
    .query(({ ctx, input }) => catalog.getProduct(ctx, input.id)),

  create: roleProcedure('vendor', 'admin')
    .meta({ openapi: { method: 'POST', path: '/products', tags: ['products'], summary: 'Create a product with its initial stock', ...creates('the product') } })
    .input(ZCreateProductInput)
    .output(ZProduct)
    .mutation(({ ctx, input }) => catalog.createProduct(ctx, input)),
});

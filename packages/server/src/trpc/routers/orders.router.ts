import * as orders from '../../domain/orders/orders.service';
import { ZCreateOrderInput, ZOrder, ZOrderByIdInput, ZOrderListInput, ZOrderPage } from '../../domain/orders/orders.schemas';
import { authedProcedure, roleProcedure } from '../procedures';
import { router } from '../init';

export const ordersRouter = router({
  create: roleProcedure('customer')
    .meta({
      openapi: {
        method: 'POST', path: '/orders', tags: ['orders'], protect: true,
        summary: 'Place an order; its stock is reserved at once. Send an Idempotency-Key header to retry safely.',
      },
    })
    .input(ZCreateOrderInput)
    .output(ZOrder)
    .mutation(({ ctx, input }) =>
      orders.createOrder(
        { em: ctx.em, actor: ctx.actor, requestId: ctx.requestId, lockTimeoutMs: ctx.config.stockLockTimeoutMs, idempotencyKey: ctx.idempotencyKey },
        input,
      ),
    ),

  byId: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/orders/{id}', tags: ['orders'], summary: 'An order with its items and what you may do next', protect: true } })
    .input(ZOrderByIdInput)
    .output(ZOrder)
    .query(({ ctx, input }) => orders.getOrder(ctx, input.id)),

  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/orders', tags: ['orders'], summary: 'Orders you may see, newest first', protect: true } })
    .input(ZOrderListInput)
    .output(ZOrderPage)
    .query(({ ctx, input }) => orders.listOrders(ctx, input)),
});

import * as checkouts from '../../domain/checkouts/checkouts.service';
import { ZCheckout, ZCheckoutIdInput, ZCreateCheckoutInput } from '../../domain/checkouts/checkouts.schemas';
import { ZPayInput } from '../../domain/orders/lifecycle.schemas';
import { authedProcedure, createsIdempotently, orderingProcedure, roleProcedure } from '../procedures';
import { router } from '../init';

export const checkoutsRouter = router({
  create: orderingProcedure
    .meta({
      openapi: {
        method: 'POST', path: '/checkouts', tags: ['checkouts'], ...createsIdempotently('the checkout'),
        summary: 'Check out a cart of any vendors: one pending order per vendor, all stock reserved or none',
        description: 'Send an `Idempotency-Key` header (or `idempotencyKey`) to retry safely, as for orders.',
      },
    })
    .input(ZCreateCheckoutInput)
    .output(ZCheckout)
    .mutation(({ ctx, input }) => checkouts.createCheckout(ctx.ordering, input)),

  byId: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/checkouts/{id}', tags: ['checkouts'], summary: 'A checkout with its orders' } })
    .input(ZCheckoutIdInput)
    .output(ZCheckout)
    .query(({ ctx, input }) => checkouts.getCheckout(ctx, input.id)),

  pay: roleProcedure('customer')
    .meta({
      openapi: {
        method: 'POST', path: '/checkouts/{id}/pay', tags: ['checkouts'], errorResponses: [400, 401, 402, 403, 404, 409, 503],
        summary: "One charge for the checkout's pending orders: all confirmed, or (declined) all cancelled",
      },
    })
    .input(ZPayInput)
    .output(ZCheckout)
    .mutation(({ ctx, input }) =>
      checkouts.payCheckout({ em: ctx.em, actor: ctx.actor, requestId: ctx.requestId, lockTimeoutMs: ctx.config.stockLockTimeoutMs, gateway: ctx.paymentGateway }, input),
    ),
});

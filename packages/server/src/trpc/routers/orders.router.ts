import { z } from 'zod';
import { tracked } from '@trpc/server';
import type { EntityManager } from '@mikro-orm/postgresql';
import * as orders from '../../domain/orders/orders.service';
import * as lifecycle from '../../domain/orders/order-lifecycle.service';
import * as payments from '../../domain/payments/payment.service';
import { ZCreateOrderInput, ZOrder, ZOrderByIdInput, ZOrderListInput, ZOrderPage } from '../../domain/orders/orders.schemas';
import {
  ZCancelInput, ZDeliverInput, ZHistoryEntry, ZOrderIdInput, ZPackingResult, ZPayInput, ZShipInput,
} from '../../domain/orders/lifecycle.schemas';
import { watchOrder } from '../../domain/orders/order-watch.service';
import { authedProcedure, createsIdempotently, orderingProcedure, roleProcedure, subscriptionProcedure } from '../procedures';
import type { Context } from '../context';
import type { Actor } from '../../domain/shared/actor';
import { router } from '../init';

const lifecycleDeps = (ctx: Context & { em: EntityManager; actor: Actor }) => ({
  em: ctx.em, actor: ctx.actor, requestId: ctx.requestId, lockTimeoutMs: ctx.config.stockLockTimeoutMs,
});

export const ordersRouter = router({
  create: orderingProcedure
    .meta({
      openapi: {
        method: 'POST', path: '/orders', tags: ['orders'], ...createsIdempotently('the order'),
        summary: 'Place an order; its stock is reserved at once',
        description:
          'Send an `Idempotency-Key` header (or `idempotencyKey`) to retry safely: a replay of the same request answers ' +
          '201 again with the first response and the same `Location`, and reserves nothing twice.',
      },
    })
    .input(ZCreateOrderInput)
    .output(ZOrder)
    .mutation(({ ctx, input }) => orders.createOrder(ctx.ordering, input)),

  byId: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/orders/{id}', tags: ['orders'], summary: 'An order with its items and what you may do next' } })
    .input(ZOrderByIdInput)
    .output(ZOrder)
    .query(({ ctx, input }) => orders.getOrder(ctx, input.id)),

  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET', path: '/orders', tags: ['orders'], summary: 'Orders you may see, newest first',
        description:
          'Filters narrow what you may see: status, vendor and creation time (`createdFrom` inclusive, `createdUntil` ' +
          'exclusive) for anyone; `customerEmail` for admins only (403 otherwise).',
      },
    })
    .input(ZOrderListInput)
    .output(ZOrderPage)
    .query(({ ctx, input }) => orders.listOrders(ctx, input)),

  history: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/orders/{id}/history', tags: ['orders'], summary: 'Status history, newest first' } })
    .input(ZOrderIdInput)
    .output(z.array(ZHistoryEntry))
    .query(({ ctx, input }) => lifecycle.orderHistory(ctx, input.id)),

  pay: roleProcedure('customer')
    .meta({
      openapi: {
        method: 'POST', path: '/orders/{id}/pay', tags: ['orders'], errorResponses: [400, 401, 402, 403, 404, 409, 503],
        summary: 'Pay a pending order (test tokens: tok_visa, tok_chargeDeclined)',
      },
    })
    .input(ZPayInput)
    .output(ZOrder)
    .mutation(({ ctx, input }) => payments.payOrder({ ...lifecycleDeps(ctx), gateway: ctx.paymentGateway }, input)),

  startPacking: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/orders/{id}/packing', tags: ['orders'], summary: 'CONFIRMED → PACKING; returns the picklist' } })
    .input(ZOrderIdInput)
    .output(ZPackingResult)
    .mutation(({ ctx, input }) => lifecycle.startPacking(lifecycleDeps(ctx), input.id)),

  ship: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/orders/{id}/ship', tags: ['orders'], summary: 'PACKING → SHIPPED; issues the delivery code' } })
    .input(ZShipInput)
    .output(ZOrder)
    .mutation(({ ctx, input }) => lifecycle.shipOrder(lifecycleDeps(ctx), input)),

  deliver: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/orders/{id}/deliver', tags: ['orders'], summary: "SHIPPED → DELIVERED; checks the customer's code" } })
    .input(ZDeliverInput)
    .output(ZOrder)
    .mutation(({ ctx, input }) => lifecycle.deliverOrder(lifecycleDeps(ctx), input)),

  reissueOtp: roleProcedure('admin')
    .meta({
      openapi: {
        method: 'POST', path: '/orders/{id}/otp', tags: ['orders'],
        summary: 'Admin: a new delivery code for a shipped order (its wrong tries start again)',
      },
    })
    .input(ZOrderIdInput)
    .output(ZOrder)
    .mutation(({ ctx, input }) => lifecycle.reissueDeliveryOtp(lifecycleDeps(ctx), input.id)),

  cancel: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/orders/{id}/cancel', tags: ['orders'], summary: 'Cancel before shipping; the stock comes back' } })
    .input(ZCancelInput)
    .output(ZOrder)
    .mutation(({ ctx, input }) => lifecycle.cancelOrder(lifecycleDeps(ctx), input)),

  onStatusChange: subscriptionProcedure
    .input(z.object({ id: z.uuid(), lastEventId: z.uuid().nullish() }))
    .subscription(async ({ ctx, input }) => {
      const events = await watchOrder({ em: ctx.em, actor: ctx.actor, hub: ctx.orderEvents }, input, ctx.lease);
      return (async function* () {
        for await (const event of events) yield tracked(event.eventId, event);
      })();
    }),
});

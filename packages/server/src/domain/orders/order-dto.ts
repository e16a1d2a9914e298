import type { IOrder, IOrderItem, IRefund } from '@frookoon/db';
import { allowedActions } from '@frookoon/contract';
import type { Actor } from '../shared/actor';
import type { TOrder } from './orders.schemas';

/** Orders the actor may see: a customer its own, a vendor its vendor's, an admin all. */
export function visibleOrders(actor: Actor): { customer?: string; vendor?: string } {
  if (actor.role === 'customer') return { customer: actor.userId };
  if (actor.role === 'vendor') return { vendor: actor.vendorId! };
  return {};
}

export type OrderView = Pick<
  IOrder,
  'id' | 'status' | 'customer' | 'vendor' | 'address' | 'totalCents' | 'currency' | 'checkout' | 'paidCents' | 'paymentReference' | 'carrier'
  | 'trackingNumber' | 'deliveryOtp' | 'createdAt' | 'updatedAt'
>;
/** The order's refund, when it has one. */
export type RefundView = Pick<IRefund, 'status' | 'amountCents'>;

/**
 * The refund a view can tell without reading it: a paid order that is cancelled has one, requested in the
 * cancelling transaction, so right after a status change it is still `requested`.
 */
export const refundAfterTransition = (order: Pick<OrderView, 'status' | 'paidCents'>): RefundView | null =>
  order.status === 'CANCELLED' && order.paidCents > 0 ? { status: 'requested', amountCents: order.paidCents } : null;
export type OrderItemView = Pick<IOrderItem, 'product' | 'productName' | 'sku' | 'unitPriceCents' | 'quantity'>;

export function toOrderDto(order: OrderView, items: readonly OrderItemView[], actor: Actor, refund: RefundView | null): TOrder {
  return {
    id: order.id,
    status: order.status,
    customerId: order.customer,
    vendorId: order.vendor,
    addressId: order.address,
    totalCents: order.totalCents,
    currency: order.currency,
    items: [...items]
      .sort((a, b) => a.sku.localeCompare(b.sku))
      .map((i) => ({
        productId: i.product, productName: i.productName, sku: i.sku, unitPriceCents: i.unitPriceCents,
        quantity: i.quantity, lineTotalCents: i.unitPriceCents * i.quantity,
      })),
    paidCents: order.paidCents,
    refundedCents: refund?.status === 'succeeded' ? refund.amountCents : 0,
    refundStatus: refund?.status ?? 'none',
    checkoutId: order.checkout ?? null,
    paymentReference: order.paymentReference ?? null,
    carrier: order.carrier ?? null,
    trackingNumber: order.trackingNumber ?? null,
    deliveryOtp: actor.userId === order.customer ? (order.deliveryOtp ?? null) : null,
    allowedTransitions: allowedActions(order.status, actor.role),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

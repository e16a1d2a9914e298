import type { EntityManager } from '@mikro-orm/postgresql';
import {
  Checkout, Order, checkoutInsert, inSqlTransaction, newId, orderInsert,
  type OrderProductRow,
} from '@frookoon/db';
import { AppError } from '../../errors/app-error';
import type { Actor } from '../shared/actor';
import { MAX_INT } from '../shared/schemas';
import { toOrderDto, type OrderItemView } from '../orders/order-dto';
import {
  IDEMPOTENCY_TTL_SECONDS, checkPendingCap, createOnce, idempotencyKeyOf, loadCustomerOrderInputs, mergeLines, productNotFound,
  requestHash, requireAddress, reserveLines, reviveOrder, storedReplay, toOrderDtos, type MergedLine, type OrderDeps,
} from '../orders/orders.service';
import { pay, type PaymentDeps } from '../payments/payment.service';
import type { TCheckout, TCreateCheckoutInput } from './checkouts.schemas';

/**
 * A checkout's status, derived from its orders: `PAID` once its charge went through, `CANCELLED` when every
 * order was cancelled unpaid, `PENDING` while any order still waits for the payment.
 */
function checkoutStatus(orders: readonly TCheckout['orders'][number][]): TCheckout['status'] {
  if (orders.some((o) => o.paidCents > 0)) return 'PAID';
  return orders.every((o) => o.status === 'CANCELLED') ? 'CANCELLED' : 'PENDING';
}

function toCheckoutDto(checkout: { id: string; address: string; totalCents: number; currency: string; createdAt: Date }, orders: TCheckout['orders']): TCheckout {
  return {
    id: checkout.id, status: checkoutStatus(orders), addressId: checkout.address, totalCents: checkout.totalCents, currency: checkout.currency,
    orders, createdAt: checkout.createdAt,
  };
}

/** Products checked before any lock: all exist and share one currency; vendors may differ. */
function checkCartProducts(found: readonly OrderProductRow[], lines: readonly MergedLine[]): Map<string, OrderProductRow> {
  const products = new Map(found.map((p) => [p.id, p]));
  const missing = lines.filter((l) => !products.has(l.productId));
  if (missing.length > 0) throw productNotFound(missing);
  const currency = products.get(lines[0]!.productId)!.currency;
  const foreign = lines.filter((l) => products.get(l.productId)!.currency !== currency);
  if (foreign.length > 0) {
    throw new AppError('VALIDATION_ERROR', 'A checkout is paid in one currency', {
      errors: foreign.map((l) => ({ field: `items.${l.index}.productId`, message: `Priced in another currency than ${currency}` })),
    });
  }
  return products;
}

/**
 * Places a cart of any vendors' products as one checkout with one PENDING order per vendor. As for a single
 * order, everything that needs no lock is written first; then every stock row of the whole cart is locked by one
 * `SELECT … ORDER BY product_id FOR UPDATE`, every short line across vendors is reported at once (by cart index),
 * and nothing is kept unless every line fits.
 */
export async function createCheckout(deps: OrderDeps, input: TCreateCheckoutInput): Promise<TCheckout> {
  const addressId = requireAddress(input.addressId);
  const lines = mergeLines(input.items);
  const key = idempotencyKeyOf(input, deps.idempotencyKey);
  const hash = key ? requestHash(addressId, lines, 'checkout') : undefined;
  if (key && hash) {
    const previous = await replay(deps, key, hash);
    if (previous) return previous;
  }

  const inputs = await loadCustomerOrderInputs(deps, addressId, lines);
  const products = checkCartProducts(inputs.products, lines);
  const byVendor = new Map<string, MergedLine[]>();
  for (const line of lines) {
    const vendorId = products.get(line.productId)!.vendorId;
    byVendor.set(vendorId, [...(byVendor.get(vendorId) ?? []), line]);
  }
  const currency = products.get(lines[0]!.productId)!.currency;
  const placedAt = new Date();
  const checkoutId = newId();
  const orders = [...byVendor].map(([vendorId, vendorLines]) => {
    const items: OrderItemView[] = vendorLines.map((l) => {
      const p = products.get(l.productId)!;
      return { product: p.id, productName: p.name, sku: p.sku, unitPriceCents: p.priceCents, quantity: l.quantity };
    });
    const totalCents = items.reduce((sum, i) => sum + i.unitPriceCents * i.quantity, 0);
    return { id: newId(), vendorId, lines: vendorLines, items, totalCents };
  });
  const totalCents = orders.reduce((sum, o) => sum + o.totalCents, 0);
  if (totalCents > MAX_INT) {
    throw new AppError('VALIDATION_ERROR', 'The checkout total is larger than one payment may be; split the cart', {
      errors: [{ field: 'items', message: `The total may be at most ${MAX_INT} minor units` }],
    });
  }
  checkPendingCap(deps.pendingCap, inputs.pending, { orders: orders.length, units: lines.reduce((sum, l) => sum + l.quantity, 0) });
  const response = toCheckoutDto(
    { id: checkoutId, address: addressId, totalCents, currency, createdAt: placedAt },
    orders.map((o) => toOrderDto(
      {
        id: o.id, status: 'PENDING', customer: deps.actor.userId, vendor: o.vendorId, address: addressId, totalCents: o.totalCents, currency,
        checkout: checkoutId, paidCents: 0, paymentReference: null, carrier: null, trackingNumber: null, deliveryOtp: null,
        createdAt: placedAt, updatedAt: placedAt,
      },
      o.items, deps.actor, null,
    )),
  );

  return createOnce(key && hash ? () => replay(deps, key, hash) : undefined, async () => {
    const writes = [
      checkoutInsert({
        id: checkoutId, customerId: deps.actor.userId, addressId, totalCents, currency, placedAt,
        idempotency: key && hash ? { id: newId(), key, requestHash: hash, ttlSeconds: IDEMPOTENCY_TTL_SECONDS, response } : undefined,
      }),
      ...orders.map((o) =>
        orderInsert({
          id: o.id, checkoutId, customerId: deps.actor.userId, vendorId: o.vendorId, addressId, totalCents: o.totalCents, currency, placedAt,
          items: o.items.map((i) => ({ id: newId(), productId: i.product, productName: i.productName, sku: i.sku, unitPriceCents: i.unitPriceCents, quantity: i.quantity })),
          history: { id: newId(), reason: 'order placed', requestId: deps.requestId },
          event: {
            id: newId(), type: 'order.created',
            payload: { orderId: o.id, checkoutId, customerId: deps.actor.userId, vendorId: o.vendorId, status: 'PENDING', totalCents: o.totalCents, currency },
          },
        }),
      ),
    ];
    // The checkout and its orders are written in the round trip that locks their stock.
    await inSqlTransaction(deps.em, { lockTimeoutMs: deps.lockTimeoutMs, genericPlans: true }, (sql) =>
      reserveLines(sql, orders.flatMap((o) => o.lines.map((l) => ({ ...l, orderId: o.id }))), products, deps.actor.userId, writes),
    );
    return response;
  });
}

async function replay(deps: OrderDeps, key: string, hash: string): Promise<TCheckout | null> {
  const stored = await storedReplay(deps, key, hash);
  if (!stored) return null;
  if (!stored.response) return getCheckout(deps, stored.resourceId);
  const checkout = stored.response as unknown as TCheckout & { createdAt: string };
  return { ...checkout, createdAt: new Date(checkout.createdAt), orders: checkout.orders.map((o) => reviveOrder(o as unknown as Record<string, unknown>)) };
}

/** A checkout with its orders, for its customer and admins; anyone else is told it does not exist. */
export async function getCheckout(deps: { em: EntityManager; actor: Actor }, id: string): Promise<TCheckout> {
  const scope = deps.actor.role === 'admin' ? {} : deps.actor.role === 'customer' ? { customer: deps.actor.userId } : null;
  const checkout = scope && (await deps.em.findOne(Checkout, { id, ...scope }));
  if (!checkout) throw new AppError('NOT_FOUND', 'No such checkout');
  const orders = await deps.em.find(Order, { checkout: id }, { orderBy: { id: 'asc' } });
  return toCheckoutDto(checkout, await toOrderDtos(deps, orders));
}

/** One charge for the checkout's orders still pending; all confirmed, or (declined) all cancelled. */
export async function payCheckout(deps: PaymentDeps, input: { id: string; paymentToken: string }): Promise<TCheckout> {
  await pay(deps, { checkoutId: input.id }, input.paymentToken);
  return getCheckout(deps, input.id);
}

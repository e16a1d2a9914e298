import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  Order, OrderItem, Refund, User, findLiveIdempotencyKey, inSqlTransaction, isUniqueViolation, orderInsert, loadOrderInputs, reserveStock,
  placeOrderTakingStock, readStock, takeStock, newId, withConflictRetries, withSql, type IOrder, type IOrderItem, type LockedStock, type NewOrder,
  type OrderProductRow, type PendingHoldings, type Sql, type Step, type TransactionSql,
} from '@frookoon/db';
import { AppError } from '../../errors/app-error';
import type { CountedUse } from '../../limits/rate-limiter';
import type { Actor } from '../shared/actor';
import { MAX_INT, page } from '../shared/schemas';
import { toOrderDto, visibleOrders, type OrderItemView, type RefundView } from './order-dto';
import { MAX_LINE_QUANTITY, type TCreateOrderInput, type TOrder, type TOrderListInput } from './orders.schemas';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export interface OrderDeps {
  em: EntityManager;
  actor: Actor;
  requestId: string;
  lockTimeoutMs: number;
  /** The `Idempotency-Key` header, when the body has no `idempotencyKey`. */
  idempotencyKey?: string;
  /** The most a customer may hold unpaid (`MAX_PENDING_ORDERS`, `MAX_PENDING_UNITS`). */
  pendingCap: PendingHoldings;
  /** The call's use of the customer's rate limit, counted with the read of what it orders; none when limits are off. */
  counted?: CountedUse;
}

/** One line per product, quantities summed, remembering where the product first appeared (for error paths). */
export interface MergedLine {
  productId: string;
  quantity: number;
  index: number;
}

/** Merges the lines; the per-line quantity limit holds for the sum of a product's lines too. */
export function mergeLines(items: TCreateOrderInput['items']): MergedLine[] {
  const byProduct = new Map<string, MergedLine>();
  items.forEach((item, index) => {
    const line = byProduct.get(item.productId);
    if (line) line.quantity += item.quantity;
    else byProduct.set(item.productId, { productId: item.productId, quantity: item.quantity, index });
  });
  const lines = [...byProduct.values()];
  const over = lines.filter((l) => l.quantity > MAX_LINE_QUANTITY);
  if (over.length > 0) {
    throw new AppError('VALIDATION_ERROR', `At most ${MAX_LINE_QUANTITY} units of one product per order`, {
      errors: over.map((l) => ({
        field: `items.${l.index}.quantity`,
        message: `The lines of this product add up to ${l.quantity}; at most ${MAX_LINE_QUANTITY}`,
      })),
    });
  }
  return lines;
}

/**
 * The request as the idempotency check compares it: what is created (`order` or `checkout`), the address and
 * the merged lines, in product order.
 */
export function requestHash(addressId: string, lines: readonly MergedLine[], creates: 'order' | 'checkout' = 'order'): string {
  const canonical = [...lines].sort((a, b) => a.productId.localeCompare(b.productId)).map((l) => [l.productId, l.quantity]);
  const request = creates === 'order' ? [addressId, canonical] : [creates, addressId, canonical];
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/** The key of a creation (body over header), checked; undefined when none was sent. */
export function idempotencyKeyOf(input: { idempotencyKey?: string }, header: string | undefined): string | undefined {
  const key = input.idempotencyKey ?? header?.trim();
  if (key !== undefined && (key.length === 0 || key.length > 255)) {
    throw new AppError('VALIDATION_ERROR', 'An Idempotency-Key has 1 to 255 characters', {
      errors: [{ field: 'idempotencyKey', message: 'Use 1 to 255 characters, e.g. a UUID' }],
    });
  }
  return key;
}

/** What was stored under a live key for the same request; a key used for another request is refused. */
export async function storedReplay(deps: { em: EntityManager; actor: Actor }, key: string, hash: string) {
  const stored = await findLiveIdempotencyKey(deps.em, deps.actor.userId, key);
  if (!stored) return null;
  if (stored.requestHash !== hash) {
    throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request', {
      errors: [{ field: 'idempotencyKey', message: 'Use a new key for a new request' }],
    });
  }
  return stored;
}

async function replay(deps: OrderDeps, key: string, hash: string): Promise<TOrder | null> {
  const stored = await storedReplay(deps, key, hash);
  if (!stored) return null;
  // The first response again; a key stored without one falls back to the order as it is now.
  return stored.response ? reviveOrder(stored.response) : getOrder(deps, stored.resourceId);
}

/** A stored response back to its DTO: JSON kept the dates as ISO strings. */
export function reviveOrder(json: Record<string, unknown>): TOrder {
  const order = json as unknown as TOrder & { createdAt: string | Date; updatedAt: string | Date };
  // Responses stored before orders showed money had none of it: an order is unpaid when placed.
  const unpaid = { paidCents: 0, refundedCents: 0, refundStatus: 'none' as const, checkoutId: null };
  return { ...unpaid, ...order, createdAt: new Date(order.createdAt), updatedAt: new Date(order.updatedAt) };
}

/**
 * The products asked for, read in one round trip with the address (one not the customer's is NOT_FOUND) and what
 * the customer already holds unpaid, for `checkPendingCap`; the call is counted against its rate limit in the same
 * round trip, and refused first when it is over.
 */
export async function loadCustomerOrderInputs(deps: { em: EntityManager; actor: Actor; counted?: CountedUse }, addressId: string, lines: readonly MergedLine[]) {
  const ids = lines.map((l) => l.productId);
  const inputs = await withSql(deps.em, (sql) => loadOrderInputs(sql, deps.actor.userId, addressId, ids, deps.counted?.steps));
  if (deps.counted) deps.counted.check(inputs.alongResults.at(-1)!);
  if (!inputs.addressOk) {
    throw new AppError('NOT_FOUND', 'No such address', { errors: [{ field: 'addressId', message: 'No such address among yours' }] });
  }
  return inputs;
}

/**
 * Stock reserved by unpaid orders is stock nobody else can buy: a customer's PENDING orders, and the units they
 * hold, are capped. Read before any lock, so concurrent orders of one customer may pass it together; the per-token
 * rate limit bounds how far.
 */
export function checkPendingCap(cap: PendingHoldings, held: PendingHoldings, adding: PendingHoldings): void {
  if (held.orders + adding.orders > cap.orders) {
    throw new AppError(
      'TOO_MANY_PENDING_ORDERS',
      `You have ${held.orders} unpaid orders, and at most ${cap.orders} may be unpaid at once: pay for or cancel some first`,
    );
  }
  if (held.units + adding.units > cap.units) {
    throw new AppError(
      'TOO_MANY_PENDING_ORDERS',
      `Your unpaid orders hold ${held.units} units and this asks for ${adding.units} more; at most ${cap.units} may be held unpaid: pay for or cancel some first`,
      { errors: [{ field: 'items', message: `At most ${Math.max(0, cap.units - held.units)} more units until your unpaid orders are paid or cancelled` }] },
    );
  }
}

/** Products of the order, checked before any lock: all exist and come from one vendor in one currency. */
function checkProducts(found: readonly OrderProductRow[], lines: readonly MergedLine[]): Map<string, OrderProductRow> {
  const products = new Map(found.map((p) => [p.id, p]));
  const missing = lines.filter((l) => !products.has(l.productId));
  if (missing.length > 0) throw productNotFound(missing);
  const first = products.get(lines[0]!.productId)!;
  const foreign = lines.filter((l) => products.get(l.productId)!.vendorId !== first.vendorId || products.get(l.productId)!.currency !== first.currency);
  if (foreign.length > 0) {
    throw new AppError('VALIDATION_ERROR', 'An order is placed with one vendor: place one order per vendor', {
      errors: foreign.map((l) => ({ field: `items.${l.index}.productId`, message: 'Sold by another vendor than the first line' })),
    });
  }
  return products;
}

export function productNotFound(lines: readonly MergedLine[]): AppError {
  return new AppError('PRODUCT_NOT_FOUND', 'One or more products are unavailable', {
    errors: lines.map((l) => ({ field: `items.${l.index}.productId`, message: 'This product does not exist or is not stocked' })),
  });
}

export function requireAddress(addressId: string | null | undefined): string {
  if (!addressId) {
    throw new AppError('ORDER_ADDRESS_REQUIRED', 'Please provide a delivery address', {
      errors: [{ field: 'addressId', message: 'Address is required for an order.' }],
    });
  }
  return addressId;
}

/**
 * Places an order and reserves its stock. The checks that need no lock run first, on what one read brought. An order
 * of one product is then one statement that takes the stock and writes the order, its items, history, event and
 * idempotency key only if it could, sent in one round trip. With more products, one round trip too: the order is
 * written, the stock rows are locked in one statement in product order, decremented and written to the ledger (the
 * stock's CHECK refusing a short line), and the transaction commits; a refusal then reads what is short.
 */
export async function createOrder(deps: OrderDeps, input: TCreateOrderInput): Promise<TOrder> {
  const addressId = requireAddress(input.addressId);
  const lines = mergeLines(input.items);
  const key = idempotencyKeyOf(input, deps.idempotencyKey);
  const hash = key ? requestHash(addressId, lines) : undefined;
  if (key && hash) {
    const previous = await replay(deps, key, hash);
    if (previous) return previous;
  }

  const inputs = await loadCustomerOrderInputs(deps, addressId, lines);
  const products = checkProducts(inputs.products, lines);
  const first = products.get(lines[0]!.productId)!;
  const totalCents = lines.reduce((sum, l) => sum + products.get(l.productId)!.priceCents * l.quantity, 0);
  if (totalCents > MAX_INT) {
    throw new AppError('VALIDATION_ERROR', 'The order total is larger than one order may be; split it', {
      errors: [{ field: 'items', message: `The total may be at most ${MAX_INT} minor units` }],
    });
  }
  checkPendingCap(deps.pendingCap, inputs.pending, { orders: 1, units: lines.reduce((sum, l) => sum + l.quantity, 0) });
  const orderId = newId();
  const items: OrderItemView[] = lines.map((l) => {
    const p = products.get(l.productId)!;
    return { product: p.id, productName: p.name, sku: p.sku, unitPriceCents: p.priceCents, quantity: l.quantity };
  });

  const placedAt = new Date();
  const response = toOrderDto(
    {
      id: orderId, status: 'PENDING', customer: deps.actor.userId, vendor: first.vendorId, address: addressId, totalCents,
      currency: first.currency, checkout: null, paidCents: 0, paymentReference: null, carrier: null, trackingNumber: null, deliveryOtp: null,
      createdAt: placedAt, updatedAt: placedAt,
    },
    items,
    deps.actor,
    null,
  );

  const order: NewOrder = {
    id: orderId, customerId: deps.actor.userId, vendorId: first.vendorId, addressId, totalCents, currency: first.currency, placedAt,
    items: items.map((i) => ({ id: newId(), productId: i.product, productName: i.productName, sku: i.sku, unitPriceCents: i.unitPriceCents, quantity: i.quantity })),
    history: { id: newId(), reason: 'order placed', requestId: deps.requestId },
    event: {
      id: newId(), type: 'order.created',
      payload: { orderId, customerId: deps.actor.userId, vendorId: first.vendorId, status: 'PENDING', totalCents, currency: first.currency },
    },
    idempotency: key && hash ? { id: newId(), key, requestHash: hash, ttlSeconds: IDEMPOTENCY_TTL_SECONDS, response } : undefined,
  };
  const locking = { lockTimeoutMs: deps.lockTimeoutMs, genericPlans: true };
  return createOnce(key && hash ? () => replay(deps, key, hash) : undefined, async () => {
    if (lines.length === 1) {
      // One product: placed in one round trip, or nothing written (and refused below) when it is short.
      const placed = await withConflictRetries(deps.em, locking, () =>
        withSql(deps.em, (sql) => placeOrderTakingStock(sql, order, { movementId: newId() }, locking)),
      );
      if (!placed) await withSql(deps.em, (sql) => refuseShortLines(sql, lines, products));
    } else {
      await inSqlTransaction(deps.em, locking, (sql) =>
        reserveLines(sql, lines.map((l) => ({ ...l, orderId })), products, deps.actor.userId, [orderInsert(order)]),
      );
    }
    return response;
  });
}

/**
 * Runs a creation that stores its idempotency key; when a concurrent request with the same key committed first
 * (the key's unique index refused this one), answers as that request was answered.
 */
export async function createOnce<T>(replayFirst: (() => Promise<T | null>) | undefined, create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (err) {
    if (replayFirst && isUniqueViolation(err, 'idempotency_key_user_key_unique')) {
      const previous = await replayFirst();
      if (previous) return previous;
    }
    throw err;
  }
}

/**
 * Reserves the lines (each for its order) and commits, or refuses with what is short, after `first` (the writes of
 * what the lines are for), which goes in the same round trip. Several rows are locked in product order and taken in
 * that round trip with the commit, the stock's CHECK refusing a short line; a single row is checked and taken by one
 * conditional update. Either way a hot product is held for a statement and the commit only.
 */
export async function reserveLines(
  sql: TransactionSql,
  lines: readonly (MergedLine & { orderId: string })[],
  products: ReadonlyMap<string, OrderProductRow>,
  actorId: string,
  first: readonly Step[],
): Promise<void> {
  if (lines.length === 1) {
    const [line] = lines as [MergedLine & { orderId: string }];
    if (await takeStock(sql, { productId: line.productId, quantity: line.quantity, movementId: newId(), orderId: line.orderId }, { actorId }, first)) return;
  } else {
    const moves = lines.map((l) => ({ productId: l.productId, delta: -l.quantity, movementId: newId(), orderId: l.orderId }));
    if (await reserveStock(sql.andCommit(), moves, { actorId }, first)) return;
  }
  await sql.rollback();
  await refuseShortLines(sql, lines, products);
}

/**
 * The refusal of lines that a reservation found short: INSUFFICIENT_STOCK with what is left, or, when there is
 * enough now (restocked in between), a conflict to try again.
 */
async function refuseShortLines(sql: Sql, lines: readonly MergedLine[], products: ReadonlyMap<string, OrderProductRow>): Promise<never> {
  checkStock(await readStock(sql, lines.map((l) => l.productId)), lines, products);
  throw new AppError('CONCURRENT_ORDER_CONFLICT', 'The stock changed while the order was placed; please try again');
}

/** Every line checked against the stock rows, and all short lines reported at once. */
export function checkStock(
  stock: ReadonlyMap<string, LockedStock>,
  lines: readonly MergedLine[],
  products: ReadonlyMap<string, OrderProductRow>,
): void {
  const unstocked = lines.filter((l) => !stock.has(l.productId));
  if (unstocked.length > 0) throw productNotFound(unstocked);
  const short = lines.filter((l) => stock.get(l.productId)!.quantity < l.quantity);
  if (short.length === 0) return;
  const name = (l: MergedLine) => products.get(l.productId)!.name;
  throw new AppError('INSUFFICIENT_STOCK', `Not enough stock for ${short.map((l) => `"${name(l)}"`).join(', ')}`, {
    errors: short.map((l) => ({
      field: `items.${l.index}.quantity`,
      message: `Not enough stock for "${name(l)}": ${stock.get(l.productId)!.quantity} available, ${l.quantity} requested`,
    })),
  });
}

export async function getOrder(deps: { em: EntityManager; actor: Actor }, id: string): Promise<TOrder> {
  const order = await deps.em.findOne(Order, { ...visibleOrders(deps.actor), id });
  if (!order) throw new AppError('NOT_FOUND', 'No such order');
  const [items, refunds] = await Promise.all([deps.em.find(OrderItem, { order: id }), refundsOf(deps.em, [id])]);
  return toOrderDto(order, items, deps.actor, refunds.get(id) ?? null);
}

/**
 * The orders the actor may see, narrowed by the filters, newest first. A filter outside what the actor may see
 * (a vendor naming another vendor) leaves the page empty rather than widening it.
 */
export async function listOrders(deps: { em: EntityManager; actor: Actor }, input: TOrderListInput) {
  const customer = input.customerEmail === undefined ? undefined : await customerIdByEmail(deps, input.customerEmail);
  if (customer === null) return { items: [], nextCursor: null };
  const createdAt = { ...(input.createdFrom ? { $gte: input.createdFrom } : {}), ...(input.createdUntil ? { $lt: input.createdUntil } : {}) };
  const orders = await deps.em.find(
    Order,
    {
      $and: [
        visibleOrders(deps.actor),
        {
          ...(input.status ? { status: input.status } : {}),
          ...(customer ? { customer } : {}),
          ...(input.vendorId ? { vendor: input.vendorId } : {}),
          ...(input.createdFrom || input.createdUntil ? { createdAt } : {}),
          ...(input.cursor ? { id: { $lt: input.cursor } } : {}),
        },
      ],
    },
    { orderBy: { id: 'desc' }, limit: input.limit + 1 },
  );
  const { items: shown, nextCursor } = page(orders, input.limit);
  return { items: await toOrderDtos(deps, shown), nextCursor };
}

/** The account an admin searches orders by; null when no account has that email. */
async function customerIdByEmail(deps: { em: EntityManager; actor: Actor }, email: string): Promise<string | null> {
  if (deps.actor.role !== 'admin') {
    throw new AppError('FORBIDDEN', 'Only admins search orders by customer email', {
      errors: [{ field: 'customerEmail', message: 'Leave this out, or ask an admin' }],
    });
  }
  const user = await deps.em.findOne(User, { email }, { fields: ['id'] });
  return user?.id ?? null;
}

/** Orders as the actor sees them, with their items and refunds read in one round trip each. */
export async function toOrderDtos(deps: { em: EntityManager; actor: Actor }, orders: readonly IOrder[]): Promise<TOrder[]> {
  const ids = orders.map((o) => o.id);
  if (ids.length === 0) return [];
  const [items, refunds] = await Promise.all([deps.em.find(OrderItem, { order: { $in: ids } }), refundsOf(deps.em, ids)]);
  const byOrder = new Map<string, IOrderItem[]>();
  for (const item of items) byOrder.set(item.order, [...(byOrder.get(item.order) ?? []), item]);
  return orders.map((o) => toOrderDto(o, byOrder.get(o.id) ?? [], deps.actor, refunds.get(o.id) ?? null));
}

/** The refunds of these orders, by order. */
async function refundsOf(em: EntityManager, orderIds: readonly string[]): Promise<Map<string, RefundView>> {
  const refunds = await em.find(Refund, { order: { $in: [...orderIds] } }, { fields: ['order', 'status', 'amountCents'] });
  return new Map(refunds.map((r) => [r.order, r]));
}

import { randomInt, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  Order, OrderItem, OrderStatusHistory, OutboxEvent, Refund, VendorLedgerEntry,
  inLockedTransaction, lockOrderRow, lockStock, moveStock, newId, sqlOf, type IOrder, type IOrderItem, type NewHistoryRow, type NewOutboxEvent,
} from '@frookoon/db';
import { findTransition, mayEverTake, type OrderStatus, type TransitionAction, type TransitionActor } from '@frookoon/contract';
import { AppError } from '../../errors/app-error';
import type { Actor } from '../shared/actor';
import { refundAfterTransition, toOrderDto, visibleOrders, type OrderItemView, type OrderView } from './order-dto';
import type { TOrder } from './orders.schemas';
import type { THistoryEntry } from './lifecycle.schemas';

export interface LifecycleDeps {
  em: EntityManager;
  /** Null for the system (payment outcome, expiry). */
  actor: Actor | null;
  requestId: string | null;
  lockTimeoutMs: number;
}

type Effect = (tx: EntityManager, order: IOrder, items: IOrderItem[]) => void | Promise<void>;

interface TransitionOptions {
  reason?: string | null;
  /** Runs under the order lock after the table allowed the transition, before history and event are written. */
  effect?: Effect;
}

const EVENT_OF: Record<TransitionAction, string> = {
  pay: 'order.confirmed',
  paymentFailed: 'order.cancelled',
  cancel: 'order.cancelled',
  expire: 'order.cancelled',
  startPacking: 'order.packing',
  ship: 'order.shipped',
  deliver: 'order.delivered',
};

const actorRole = (actor: Actor | null): TransitionActor => actor?.role ?? 'system';

/** Refuses, before touching the database, an action the actor's role may never take. */
function assertRoleMayTake(action: TransitionAction, actor: Actor | null): void {
  if (!mayEverTake(action, actorRole(actor))) {
    throw new AppError('FORBIDDEN', `A ${actorRole(actor)} may not ${action} orders`);
  }
}

/** Locks the order row (only if the actor may see it) for the rest of the transaction. */
async function lockOrder(tx: EntityManager, actor: Actor | null, id: string): Promise<IOrder> {
  const order = await lockOrderRow(tx, id, actor ? visibleOrders(actor) : {});
  if (!order) throw new AppError('NOT_FOUND', 'No such order');
  return order;
}

/** Gives back exactly what the order reserved: stock rows locked in product order, one `release` row each. */
async function releaseStock(tx: EntityManager, order: IOrder, items: readonly IOrderItem[], actorId: string | null): Promise<void> {
  const sql = await sqlOf(tx);
  await lockStock(sql, items.map((i) => i.product));
  await moveStock(sql, 'release', items.map((i) => ({ productId: i.product, delta: i.quantity, movementId: newId(), orderId: order.id })), { actorId });
}

/**
 * The money a paid order's cancellation gives back: a refund row, carried out after commit by the refund job.
 * One per order (unique), so however many cancels race, the customer is refunded once.
 */
export function requestRefund(tx: EntityManager, order: IOrder): void {
  tx.create(Refund, {
    id: newId(), order: order.id, status: 'requested', amountCents: order.paidCents, currency: order.currency,
    paymentReference: order.paymentReference!, reference: null, attempts: 0, nextAttemptAt: new Date(), lastError: null,
  });
}

/**
 * Applies one row of the transition table to an order whose row the transaction already holds locked:
 * checks the table and its guard, runs the effect, restores stock (and requests the refund of a paid order) on
 * cancellation, credits the vendor on delivery, and writes the history row and the outbox event, all before
 * the caller's commit.
 */
export async function applyLocked(
  tx: EntityManager,
  deps: Pick<LifecycleDeps, 'actor' | 'requestId'>,
  order: IOrder,
  action: TransitionAction,
  options: TransitionOptions = {},
): Promise<IOrderItem[]> {
  const role = actorRole(deps.actor);
  if (!mayTransition(action, order.status, deps.actor)) {
    throw new AppError('INVALID_STATUS_TRANSITION', `A ${role} cannot ${action} an order that is ${order.status}`);
  }
  const transition = findTransition(action, order.status)!;
  if (transition.guard === 'reasonFromVendor' && role === 'vendor' && !options.reason) {
    throw new AppError('VALIDATION_ERROR', 'Say why the order cannot be fulfilled', { errors: [{ field: 'reason', message: 'Required when a vendor cancels' }] });
  }
  const items = await tx.find(OrderItem, { order: order.id });
  const previous = order.status;
  order.status = transition.to;
  await options.effect?.(tx, order, items);
  if (transition.to === 'CANCELLED') {
    await releaseStock(tx, order, items, deps.actor?.userId ?? null);
    if (order.paidCents > 0) requestRefund(tx, order);
  }
  if (transition.to === 'DELIVERED') {
    tx.create(VendorLedgerEntry, { id: newId(), vendor: order.vendor, order: order.id, kind: 'credit', amountCents: order.totalCents, currency: order.currency });
  }
  const records = transitionRecords(order, action, previous, deps, options.reason ?? null);
  tx.create(OrderStatusHistory, {
    id: records.history.id, order: order.id, previousStatus: previous, newStatus: transition.to, changedBy: records.history.changedBy,
    reason: records.history.reason, requestId: records.history.requestId,
  });
  for (const event of records.events) tx.create(OutboxEvent, event);
  await tx.flush();
  return items;
}

/** Whether the table lets the actor take `action` on an order in `status`. */
export function mayTransition(action: TransitionAction, status: OrderStatus, actor: Actor | null): boolean {
  const transition = findTransition(action, status);
  return transition !== undefined && (transition.roles as readonly TransitionActor[]).includes(actorRole(actor));
}

/** What of an order its transition's history row and events tell. */
export type TransitionSubject = Pick<IOrder, 'id' | 'customer' | 'vendor' | 'totalCents' | 'currency'>;

/**
 * What a transition leaves behind besides the order's own columns: its history row and its outbox events. One
 * description, written through the unit of work by `applyLocked` and in one statement by the hot paths.
 */
export function transitionRecords(
  order: TransitionSubject,
  action: TransitionAction,
  previous: OrderStatus,
  deps: Pick<LifecycleDeps, 'actor' | 'requestId'>,
  reason: string | null,
): { history: NewHistoryRow; events: NewOutboxEvent[] } {
  const to = findTransition(action, previous)!.to;
  const payload = { orderId: order.id, customerId: order.customer, vendorId: order.vendor, previousStatus: previous, status: to, reason };
  const events: NewOutboxEvent[] = [{ id: newId(), type: EVENT_OF[action], aggregateId: order.id, payload }];
  if (action === 'deliver') {
    events.push({ id: newId(), type: 'payout.released', aggregateId: order.id, payload: { ...payload, amountCents: order.totalCents, currency: order.currency } });
  }
  return {
    history: { id: newId(), orderId: order.id, previousStatus: previous, newStatus: to, changedBy: deps.actor?.userId ?? null, reason, requestId: deps.requestId },
    events,
  };
}

/** Locks, transitions and commits; one transaction, retried as a whole on lock conflicts. */
async function transition(deps: LifecycleDeps, id: string, action: TransitionAction, options: TransitionOptions = {}) {
  assertRoleMayTake(action, deps.actor);
  return inLockedTransaction(deps.em, { lockTimeoutMs: deps.lockTimeoutMs }, async (tx) => {
    const order = await lockOrder(tx, deps.actor, id);
    const items = await applyLocked(tx, deps, order, action, options);
    return { order, items };
  });
}

export const dto = (deps: { actor: Actor }, result: { order: OrderView; items: readonly OrderItemView[] }): TOrder =>
  toOrderDto(result.order, result.items, deps.actor, refundAfterTransition(result.order));

export async function startPacking(deps: LifecycleDeps & { actor: Actor }, id: string) {
  const result = await transition(deps, id, 'startPacking');
  const picklist = [...result.items]
    .sort((a, b) => a.sku.localeCompare(b.sku))
    .map((i) => ({ sku: i.sku, productName: i.productName, quantity: i.quantity }));
  return { order: dto(deps, result), picklist };
}

const newTrackingNumber = () => `FRK${Date.now().toString(36).toUpperCase()}${randomInt(0, 36 ** 4).toString(36).toUpperCase().padStart(4, '0')}`;

const newDeliveryOtp = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

export async function shipOrder(deps: LifecycleDeps & { actor: Actor }, input: { id: string; carrier: string; trackingNumber?: string }) {
  const result = await transition(deps, input.id, 'ship', {
    effect: (_tx, order) => {
      order.carrier = input.carrier;
      order.trackingNumber = input.trackingNumber ?? newTrackingNumber();
      order.deliveryOtp = newDeliveryOtp();
      order.deliveryOtpFailures = 0;
    },
  });
  return dto(deps, result);
}

/** Wrong codes tried before a delivery code stops working, so that its million values cannot be walked through. */
export const MAX_DELIVERY_OTP_FAILURES = 5;

function otpMatches(expected: string, given: string): boolean {
  return given.length === expected.length && timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

const wrongOtp = (detail: string) =>
  new AppError('INVALID_DELIVERY_OTP', detail, { errors: [{ field: 'otp', message: 'Ask the customer for the six-digit code' }] });

/**
 * SHIPPED → DELIVERED when the customer's code matches. A wrong code is counted under the order lock and committed
 * (the refusal follows the commit); after `MAX_DELIVERY_OTP_FAILURES` the code is locked until an admin reissues it.
 */
export async function deliverOrder(deps: LifecycleDeps & { actor: Actor }, input: { id: string; otp?: string }) {
  assertRoleMayTake('deliver', deps.actor);
  const outcome = await inLockedTransaction(deps.em, { lockTimeoutMs: deps.lockTimeoutMs }, async (tx) => {
    const order = await lockOrder(tx, deps.actor, input.id);
    if (order.status === 'SHIPPED' && order.deliveryOtp) {
      if (order.deliveryOtpFailures >= MAX_DELIVERY_OTP_FAILURES) {
        throw new AppError('DELIVERY_OTP_LOCKED', `${MAX_DELIVERY_OTP_FAILURES} wrong delivery codes were tried; an admin must issue a new code`);
      }
      if (input.otp === undefined) return { refused: wrongOtp('The delivery code is required') };
      if (!otpMatches(order.deliveryOtp, input.otp)) {
        order.deliveryOtpFailures += 1;
        const left = MAX_DELIVERY_OTP_FAILURES - order.deliveryOtpFailures;
        return { refused: wrongOtp(`The delivery code does not match; ${left > 0 ? `${left} tries left` : 'it is now locked until an admin issues a new one'}`) };
      }
    }
    return { order, items: await applyLocked(tx, deps, order, 'deliver') };
  });
  if ('refused' in outcome) throw outcome.refused;
  return dto(deps, outcome);
}

/** Admin: a new delivery code for a shipped order (e.g. after the old one was locked); wrong tries start again. */
export async function reissueDeliveryOtp(deps: LifecycleDeps & { actor: Actor }, id: string) {
  const result = await inLockedTransaction(deps.em, { lockTimeoutMs: deps.lockTimeoutMs }, async (tx) => {
    const order = await lockOrder(tx, deps.actor, id);
    if (order.status !== 'SHIPPED') {
      throw new AppError('INVALID_STATUS_TRANSITION', `Only a shipped order has a delivery code; this one is ${order.status}`);
    }
    order.deliveryOtp = newDeliveryOtp();
    order.deliveryOtpFailures = 0;
    return { order, items: await tx.find(OrderItem, { order: order.id }) };
  });
  return dto(deps, result);
}

export async function cancelOrder(deps: LifecycleDeps & { actor: Actor }, input: { id: string; reason?: string }) {
  return dto(deps, await transition(deps, input.id, 'cancel', { reason: input.reason ?? null }));
}

export async function orderHistory(deps: { em: EntityManager; actor: Actor }, id: string): Promise<THistoryEntry[]> {
  const order = await deps.em.findOne(Order, { id, ...visibleOrders(deps.actor) }, { fields: ['id'] });
  if (!order) throw new AppError('NOT_FOUND', 'No such order');
  const rows = await deps.em.find(OrderStatusHistory, { order: id }, { orderBy: { changedAt: 'desc', id: 'desc' } });
  return rows.map((h) => ({
    id: h.id, previousStatus: h.previousStatus ?? null, newStatus: h.newStatus, changedBy: h.changedBy ?? null,
    changedAt: h.changedAt, reason: h.reason ?? null, requestId: h.requestId ?? null,
  }));
}

import type { EntityManager } from '@mikro-orm/postgresql';
import {
  PAYMENT_IN_FLIGHT_MS, PaymentAttempt, inLockedTransaction, inSqlTransaction, insertPaymentAttempt, isUniqueViolation, lockOrderRow, lockPayableOrders, lockPaymentAttempt,
  confirmPaid, confirmPaidIfPending, lockSettlement, newId, touchPaymentAttempt, withConflictRetries, withSql, type IOrder, type IPaymentAttempt,
  lockPayableOrdersStartingAttempt, type PaidItem, type PayableOrder, type PaymentTarget, type SettlingOrder,
} from '@frookoon/db';
import { AppError } from '../../errors/app-error';
import type { Actor } from '../shared/actor';
import { applyLocked, dto, mayTransition, requestRefund, transitionRecords, type TransitionSubject } from '../orders/order-lifecycle.service';
import type { OrderItemView, OrderView } from '../orders/order-dto';
import type { TOrder } from '../orders/orders.schemas';
import type { ChargeResult, PaymentGateway } from './payment-gateway';

export interface PaymentDeps {
  em: EntityManager;
  actor: Actor;
  requestId: string;
  lockTimeoutMs: number;
  gateway: PaymentGateway;
}

export type { PaymentTarget };

export interface SettledOrder {
  order: OrderView;
  items: OrderItemView[];
}

/** Pays a pending order that is not part of a checkout. */
export async function payOrder(deps: PaymentDeps, input: { id: string; paymentToken: string }): Promise<TOrder> {
  const [settled] = await pay(deps, { orderId: input.id }, input.paymentToken);
  return dto(deps, settled!);
}

/**
 * Pays without holding a lock while the gateway works: the attempt (amount and the orders it covers) is recorded
 * under the order locks, one per order or checkout, so paying twice charges once; the gateway is called; and the
 * outcome is applied to every covered order in a second transaction. A charge for an order cancelled meanwhile
 * is refunded through a refund row, like any paid order that is cancelled.
 */
export async function pay(deps: PaymentDeps, target: PaymentTarget, paymentToken: string): Promise<SettledOrder[]> {
  const attempt = await startAttempt(deps, target);
  const result = await deps.gateway.charge({
    attemptId: attempt.id, amountCents: attempt.amountCents, currency: attempt.currency, paymentToken,
    metadata: 'orderId' in target ? { orderId: target.orderId } : { checkoutId: target.checkoutId },
  });
  if (result.outcome === 'invalid_token') {
    // Nothing happened at the gateway: the attempt goes, and the orders may be paid again with a valid token.
    await deps.em.fork().nativeDelete(PaymentAttempt, { id: attempt.id, status: 'pending' });
    throw new AppError('VALIDATION_ERROR', 'The payment token is not valid; nothing was charged', {
      errors: [{ field: 'paymentToken', message: `Unknown or malformed payment token (${result.reason})` }],
    });
  }
  const settled = await settleAttempt(deps, attempt, result);
  if (result.outcome === 'declined') {
    throw new AppError('PAYMENT_FAILED', `The payment was declined (${result.reason}); the order is cancelled`);
  }
  if (!settled.some((s) => s.order.status === 'CONFIRMED')) {
    throw new AppError('INVALID_STATUS_TRANSITION', 'The order was cancelled while it was being paid; the charge is refunded');
  }
  return settled;
}

/** A payment attempt as the charge needs it: its id (the gateway's idempotency key), amount and covered orders. */
interface StartedAttempt extends SettlingAttempt {
  amountCents: number;
  currency: string;
}

/**
 * An attempt to settle: its id and the orders it covers; for an attempt just made, also those orders as they were
 * then (all PENDING), which lets a successful charge be settled in one round trip.
 */
type SettlingAttempt = Pick<IPaymentAttempt, 'id' | 'orderIds'> & { made?: readonly TransitionSubject[] };

/**
 * Starts the payment, or refuses what cannot be paid now. A first attempt, the common case, takes one round trip:
 * the locks of the orders to pay (with the attempt made so far), then the attempt, written by a statement that
 * checks what `nextStep` checks for a new one, committed at once (`lockPayableOrdersStartingAttempt`). Taking over a
 * stale attempt goes step by step under the locks.
 */
async function startAttempt(deps: PaymentDeps, target: PaymentTarget): Promise<StartedAttempt> {
  // Orders and attempts are read by their keys (or the checkout's index): one plan per connection.
  const options = { lockTimeoutMs: deps.lockTimeoutMs, genericPlans: true };
  const id = newId();
  const { orders, started } = await withConflictRetries(deps.em, options, () =>
    withSql(deps.em, (sql) => lockPayableOrdersStartingAttempt(sql, target, deps.actor.userId, id, options)).catch(inProgressOnDuplicate),
  );
  const step = nextStep(deps, target, orders, id);
  if (step.kind === 'new' && started) return step.attempt;
  if (started) throw new Error(`payment attempt ${id} was recorded for orders that may not start one`);
  if (step.kind === 'refuse') throw step.error;
  return inSqlTransaction(deps.em, options, async (sql) => {
    const locked = nextStep(deps, target, await lockPayableOrders(sql, target, deps.actor.userId), id);
    if (locked.kind === 'refuse') throw locked.error;
    // A stale attempt (its process died mid-call) is taken over under the same id, which the gateway
    // uses as its idempotency key: if that charge went through, the gateway answers it instead of charging again.
    if (locked.kind === 'takeOver') return touchPaymentAttempt(sql.andCommit(), locked.attemptId);
    const { attempt } = locked;
    await insertPaymentAttempt(sql.andCommit(), {
      id: attempt.id, orderIds: attempt.orderIds, amountCents: attempt.amountCents, currency: attempt.currency,
      orderId: 'orderId' in target ? target.orderId : null, checkoutId: 'checkoutId' in target ? target.checkoutId : null,
    }).catch(inProgressOnDuplicate);
    return attempt;
  });
}

const inProgress = () => new AppError('CONCURRENT_ORDER_CONFLICT', 'A payment for this order is already in progress');

/** A payer who waited for the lock read the attempts as they were before it: one made meanwhile shows up here. */
function inProgressOnDuplicate(err: unknown): never {
  throw isUniqueViolation(err) ? inProgress() : err;
}

/** What the locked orders allow: a refusal, taking over a stale attempt, or a new attempt `id` for the pending ones. */
function nextStep(
  deps: PaymentDeps,
  target: PaymentTarget,
  orders: readonly PayableOrder[],
  id: string,
): { kind: 'refuse'; error: AppError } | { kind: 'takeOver'; attemptId: string } | { kind: 'new'; attempt: StartedAttempt } {
  const refuse = (error: AppError) => ({ kind: 'refuse' as const, error });
  if (orders.length === 0) return refuse(new AppError('NOT_FOUND', 'orderId' in target ? 'No such order' : 'No such checkout'));
  const checkoutId = orders[0]!.checkoutId;
  if ('orderId' in target && checkoutId) {
    return refuse(new AppError('VALIDATION_ERROR', `This order is part of checkout ${checkoutId}: pay the checkout (checkouts.pay), which pays all its orders with one charge`, {
      errors: [{ field: 'id', message: 'Pay its checkout instead' }],
    }));
  }
  const pending = orders.filter((o) => o.status === 'PENDING');
  if (pending.length === 0) return refuse(new AppError('INVALID_STATUS_TRANSITION', `Only a pending order can be paid; this one is ${orders[0]!.status}`));
  const existing = orders[0]!.attempt;
  if (existing) {
    const stale = existing.status === 'pending' && Date.now() - existing.updatedAt.getTime() > PAYMENT_IN_FLIGHT_MS;
    return stale ? { kind: 'takeOver', attemptId: existing.id } : refuse(inProgress());
  }
  return {
    kind: 'new',
    attempt: {
      id, orderIds: pending.map((o) => o.id), amountCents: pending.reduce((sum, o) => sum + o.totalCents, 0), currency: pending[0]!.currency,
      made: pending.map((o) => ({ id: o.id, customer: deps.actor.userId, vendor: o.vendorId, totalCents: o.totalCents, currency: o.currency })),
    },
  };
}

async function lockOrders(tx: EntityManager, ids: readonly string[]): Promise<IOrder[]> {
  const orders: IOrder[] = [];
  for (const id of [...ids].sort()) orders.push((await lockOrderRow(tx, id, {}))!);
  return orders;
}

/**
 * Applies a charge's outcome to every order it covers, in one transaction: a success confirms the orders still
 * pending and refunds those cancelled meanwhile; a decline cancels the pending ones. Also used by the sweeper
 * to finish an attempt whose process died after the gateway answered.
 */
export async function settleAttempt(
  deps: SettleDeps,
  attempt: SettlingAttempt,
  result: Exclude<ChargeResult, { outcome: 'invalid_token' }>,
): Promise<SettledOrder[]> {
  if (result.outcome === 'succeeded') {
    const confirmed = await confirmCharge(deps, attempt, result.reference);
    if (confirmed) return confirmed;
  }
  return settleThroughLifecycle(deps, attempt, result);
}

type SettleDeps = Pick<PaymentDeps, 'em' | 'lockTimeoutMs'> & { actor: Actor | null; requestId: string | null };

/**
 * The common outcome, a charge that succeeded for orders all still pending, without the lifecycle's unit of work. For
 * an attempt just made, in one round trip: the locks, then one statement writing the attempt, orders, history and
 * events only if nothing moved since (`confirmPaidIfPending`), committed at once. Otherwise in one transaction of two:
 * the locks (with `begin`), then that statement (with the commit). Null when an order moved on meanwhile (cancelled
 * while it was being paid): the lifecycle path settles those.
 */
async function confirmCharge(deps: SettleDeps, attempt: SettlingAttempt, reference: string): Promise<SettledOrder[] | null> {
  const options = { lockTimeoutMs: deps.lockTimeoutMs, genericPlans: true };
  const at = new Date();
  const settlement = (orders: readonly TransitionSubject[]) => {
    const records = orders.map((o) => transitionRecords(o, 'pay', 'PENDING', deps, null));
    return { attemptId: attempt.id, reference, at, orderIds: orders.map((o) => o.id), history: records.map((r) => r.history), events: records.flatMap((r) => r.events) };
  };
  const confirmed = (orders: readonly SettlingOrder[], items: readonly PaidItem[]): SettledOrder[] =>
    orders.map((o) => ({
      order: { ...o, status: 'CONFIRMED' as const, paidCents: o.totalCents, paymentReference: reference, updatedAt: at },
      items: items.filter((i) => i.orderId === o.id),
    }));
  // What a settlement that did not confirm found: settled already (the customer's retry and the sweeper can both
  // finish a stale attempt), with nothing to do twice; or an order that moved on.
  const unconfirmed = (attemptStatus: string | null, orders: readonly SettlingOrder[]) =>
    attemptStatus !== 'pending' ? orders.map((order) => ({ order, items: [] })) : null;

  if (attempt.made && mayTransition('pay', 'PENDING', deps.actor)) {
    const made = settlement(attempt.made);
    const { attemptStatus, orders, confirmed: items } = await withConflictRetries(deps.em, options, () =>
      withSql(deps.em, (sql) => confirmPaidIfPending(sql, made, options)),
    );
    return items ? confirmed(orders, items) : unconfirmed(attemptStatus, orders);
  }
  return inSqlTransaction(deps.em, options, async (sql) => {
    const { attemptStatus, orders } = await lockSettlement(sql, attempt.id, attempt.orderIds);
    if (attemptStatus !== 'pending' || orders.some((o) => !mayTransition('pay', o.status, deps.actor))) return unconfirmed(attemptStatus, orders);
    return confirmed(orders, await confirmPaid(sql.andCommit(), settlement(orders)));
  });
}

/** Any outcome, through the lifecycle's unit of work: declines cancel, and orders cancelled meanwhile are refunded. */
async function settleThroughLifecycle(
  deps: SettleDeps,
  attempt: Pick<IPaymentAttempt, 'id' | 'orderIds'>,
  result: Exclude<ChargeResult, { outcome: 'invalid_token' }>,
): Promise<SettledOrder[]> {
  return inLockedTransaction(deps.em, { lockTimeoutMs: deps.lockTimeoutMs }, async (tx) => {
    const orders = await lockOrders(tx, attempt.orderIds);
    const settled: SettledOrder[] = [];
    // Settled already (the customer's retry and the sweeper can both finish a stale attempt): nothing to do twice.
    const current = await lockPaymentAttempt(tx, attempt.id);
    if (current?.status !== 'pending') return orders.map((order) => ({ order, items: [] }));
    if (result.outcome === 'declined') {
      await tx.nativeUpdate(PaymentAttempt, { id: attempt.id }, { status: 'declined', declineReason: result.reason });
      for (const order of orders) {
        const items = order.status === 'PENDING'
          ? await applyLocked(tx, { actor: null, requestId: deps.requestId }, order, 'paymentFailed', { reason: 'payment_failed' })
          : [];
        settled.push({ order, items });
      }
      return settled;
    }
    await tx.nativeUpdate(PaymentAttempt, { id: attempt.id }, { status: 'succeeded', reference: result.reference });
    for (const order of orders) {
      const paid = (o: IOrder) => {
        o.paymentReference = result.reference;
        o.paidCents = o.totalCents;
      };
      if (order.status === 'PENDING') {
        // The customer's own payment, or (from the sweeper) the system confirming a charge it found at the gateway.
        const items = await applyLocked(tx, { actor: deps.actor, requestId: deps.requestId }, order, 'pay', { effect: (_tx, o) => paid(o) });
        settled.push({ order, items });
      } else if (order.status === 'CANCELLED') {
        paid(order);
        requestRefund(tx, order);
        await tx.flush();
        settled.push({ order, items: [] });
      }
    }
    return settled;
  });
}

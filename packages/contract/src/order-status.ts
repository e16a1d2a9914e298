import type { Role } from './roles';

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'PACKING', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['DELIVERED', 'CANCELLED'];

/**
 * Who may cause a transition; `system` is the server itself (payment outcome, expiry sweeper, and a charge the
 * sweeper finds at the gateway for an attempt whose process died).
 */
export type TransitionActor = Role | 'system';

export type TransitionAction = 'pay' | 'paymentFailed' | 'cancel' | 'expire' | 'startPacking' | 'ship' | 'deliver';

/**
 * Extra condition on top of role and visibility (a customer only ever reaches its own orders,
 * a vendor only its vendor's): `reasonFromVendor` means a vendor must say why it cannot fulfil.
 */
export type TransitionGuard = 'none' | 'reasonFromVendor';

export interface Transition {
  action: TransitionAction;
  from: OrderStatus;
  to: OrderStatus;
  roles: readonly TransitionActor[];
  guard: TransitionGuard;
}

/** The order lifecycle: the single source of truth, enforced by the server and readable by clients. */
export const ORDER_TRANSITIONS = [
  { action: 'pay', from: 'PENDING', to: 'CONFIRMED', roles: ['customer', 'system'], guard: 'none' },
  { action: 'paymentFailed', from: 'PENDING', to: 'CANCELLED', roles: ['system'], guard: 'none' },
  { action: 'cancel', from: 'PENDING', to: 'CANCELLED', roles: ['customer', 'admin'], guard: 'none' },
  { action: 'expire', from: 'PENDING', to: 'CANCELLED', roles: ['system'], guard: 'none' },
  { action: 'startPacking', from: 'CONFIRMED', to: 'PACKING', roles: ['vendor', 'admin'], guard: 'none' },
  { action: 'cancel', from: 'CONFIRMED', to: 'CANCELLED', roles: ['customer', 'vendor', 'admin'], guard: 'reasonFromVendor' },
  { action: 'cancel', from: 'PACKING', to: 'CANCELLED', roles: ['customer', 'vendor', 'admin'], guard: 'reasonFromVendor' },
  { action: 'ship', from: 'PACKING', to: 'SHIPPED', roles: ['vendor', 'admin'], guard: 'none' },
  { action: 'deliver', from: 'SHIPPED', to: 'DELIVERED', roles: ['vendor', 'admin'], guard: 'none' },
] as const satisfies readonly Transition[];

/** The transition `action` takes from `status`, if any. */
export function findTransition(action: TransitionAction, status: OrderStatus): Transition | undefined {
  return ORDER_TRANSITIONS.find((t) => t.action === action && t.from === status);
}

/** Whether `actor` may ever take `action`, from any status. */
export function mayEverTake(action: TransitionAction, actor: TransitionActor): boolean {
  return ORDER_TRANSITIONS.some((t) => t.action === action && (t.roles as readonly TransitionActor[]).includes(actor));
}

/** The actions an actor may take on an order in `status`, as `orders.byId` reports them. */
export function allowedActions(status: OrderStatus, actor: TransitionActor): TransitionAction[] {
  const actions = ORDER_TRANSITIONS.filter(
    (t) => t.from === status && (t.roles as readonly TransitionActor[]).includes(actor),
  ).map((t) => t.action);
  return [...new Set(actions)];
}

/** Whether `actor` may take `action` on an order in `status`: what a UI asks before showing a button. */
export function canTransition(status: OrderStatus, action: TransitionAction, actor: TransitionActor): boolean {
  return allowedActions(status, actor).includes(action);
}

/** A cancelled paid order's refund: requested in the cancelling transaction, then carried out by a job. */
export const REFUND_STATUSES = ['requested', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

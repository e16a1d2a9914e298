import type { Order } from '../api';
import { money } from '../format';

type Refunded = Pick<Order, 'paidCents' | 'refundedCents' | 'refundStatus' | 'currency'>;
type Charged = Refunded & Pick<Order, 'status'>;

/** A cancelled paid order's refund in words, or null when nothing is to be paid back; `brief` for lists. */
function refundText(order: Refunded, brief: boolean): string | null {
  const owed = money(order.paidCents, order.currency);
  switch (order.refundStatus) {
    case 'none':
      return null;
    case 'requested':
      return brief ? 'Refund requested' : `Refund of ${owed} requested`;
    case 'succeeded':
      return `Refunded ${money(order.refundedCents, order.currency)}`;
    case 'failed':
      return brief ? 'Refund failed' : `Refund of ${owed} failed`;
  }
}

/** The refund as a small tag, for lists of orders. */
export function RefundTag({ order }: { order: Refunded }) {
  const text = refundText(order, true);
  return text ? <span className={`refund refund-${order.refundStatus}`} data-testid="refund-tag" data-refund={order.refundStatus}>{text}</span> : null;
}

const REFUND_HINT: Record<Order['refundStatus'], string | null> = {
  none: null,
  requested: 'On its way back to the card the order was paid with.',
  succeeded: 'Paid back to the card the order was paid with.',
  failed: 'The card could not be paid back; it is left to an admin.',
};

/** What an order was charged and what has been paid back; `hints` adds where the money goes, for the customer. */
export function OrderMoney({ order, hints = false }: { order: Charged; hints?: boolean }) {
  const refund = refundText(order, false);
  const hint = hints ? REFUND_HINT[order.refundStatus] : null;
  const nothing = order.status === 'PENDING' ? 'Nothing yet' : 'Nothing';
  return (
    <dl className="money" data-testid="order-money">
      <div>
        <dt>Paid</dt>
        <dd data-testid="paid-amount">{order.paidCents > 0 ? money(order.paidCents, order.currency) : <span className="muted">{nothing}</span>}</dd>
      </div>
      {refund ? (
        <div>
          <dt>Refund</dt>
          <dd>
            <span className={`refund refund-${order.refundStatus}`} data-testid="refund-status" data-refund={order.refundStatus}>{refund}</span>
            {hint ? <span className="muted small refund-hint">{hint}</span> : null}
          </dd>
        </div>
      ) : null}
    </dl>
  );
}

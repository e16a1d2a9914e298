import { useEffect, useRef, useState } from 'react';
import { canTransition, ORDER_TRANSITIONS, TERMINAL_STATUSES, type OrderStatus, type TransitionAction } from '@frookoon/sdk';
import { client, describeFailure, type Failure, type HistoryEntry, type User } from '../api';
import { CardChoice, type TestCardToken } from '../components/CardChoice';
import { FailureNote } from '../components/FailureNote';
import { OrderMoney } from '../components/OrderMoney';
import { StatusPill } from '../components/StatusPill';
import { dateTime, money, orderRef, STATUS_LABEL } from '../format';
import { useAction, useLoad } from '../hooks';

/** The road an order travels when all goes well, read from the shared transition table. */
function happyPath(): OrderStatus[] {
  const path: OrderStatus[] = ['PENDING'];
  for (;;) {
    const next = ORDER_TRANSITIONS.find((t) => t.from === path.at(-1) && t.to !== 'CANCELLED');
    if (!next) return path;
    path.push(next.to);
  }
}

const HAPPY_PATH = happyPath();

type LiveState = 'connecting' | 'live' | 'reconnecting' | 'offline';
const LIVE_LABEL: Record<LiveState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Not live' };

/** A refund is carried out by a background job and sends no status event: it is looked up this often until settled. */
const REFUND_POLL_MS = 1000;

function Progress({ status }: { status: OrderStatus }) {
  if (status === 'CANCELLED') return <p className="cancelled-banner">This order was cancelled; its stock went back on the shelf.</p>;
  const reached = HAPPY_PATH.indexOf(status);
  return (
    <ol className="progress" aria-label="Progress">
      {HAPPY_PATH.map((s, i) => (
        <li key={s} className={i < reached ? 'done' : i === reached ? 'current' : ''}>
          <span className="dot" />
          {STATUS_LABEL[s]}
        </li>
      ))}
    </ol>
  );
}

/** Reasons the server itself records, in words. */
const SYSTEM_REASONS: Record<string, string> = {
  payment_failed: 'The card was declined',
  payment_timeout: 'Not paid in time',
};

function Timeline({ history, user }: { history: HistoryEntry[]; user: User }) {
  const who = (e: HistoryEntry) => (e.changedBy === null ? 'Frookoon' : e.changedBy === user.id ? 'you' : 'the shop');
  return (
    <ol className="timeline" data-testid="timeline">
      {history.map((e) => (
        <li key={e.id} data-testid="timeline-entry" data-status={e.newStatus}>
          <span className={`timeline-dot status-${e.newStatus.toLowerCase()}`} />
          <div>
            <strong>{e.previousStatus ? STATUS_LABEL[e.newStatus] : 'Order placed'}</strong>
            <span className="muted small"> · {dateTime(e.changedAt)} · by {who(e)}</span>
            {e.reason && e.previousStatus ? <div className="small">“{SYSTEM_REASONS[e.reason] ?? e.reason}”</div> : null}
          </div>
        </li>
      ))}
    </ol>
  );
}

/**
 * One order of the customer's, kept current by its live status stream until it reaches a final status, and by
 * polling while its refund is under way.
 */
export function OrderDetail({ id, user, onChange }: { id: string; user: User; onChange: () => void }) {
  const detail = useLoad(async () => {
    const [order, history] = await Promise.all([client.orders.byId.query({ id }), client.orders.history.query({ id })]);
    const checkout = order.checkoutId ? await client.checkouts.byId.query({ id: order.checkoutId }) : null;
    return { order, history, checkout };
  }, [id]);
  const [live, setLive] = useState<LiveState>('connecting');
  const [streamFailure, setStreamFailure] = useState<Failure | null>(null);
  const [card, setCard] = useState<TestCardToken>('tok_visa');
  const [reason, setReason] = useState('');
  const action = useAction();
  const { reload } = detail;
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  });

  const status = detail.data?.order.status;
  const watch = status !== undefined && !TERMINAL_STATUSES.includes(status);

  useEffect(() => {
    if (!watch) return;
    setLive('connecting');
    // Subscribed once the order is known; the reload when the stream starts catches anything in between.
    const subscription = client.orders.onStatusChange.subscribe(
      { id },
      {
        onStarted: () => void reload(),
        onData: () => {
          void reload();
          onChangeRef.current();
        },
        onConnectionStateChange: (state) => {
          if (state.state === 'pending') setLive('live');
          else if (state.state === 'connecting') setLive(state.error ? 'reconnecting' : 'connecting');
          else setLive('offline');
        },
        onError: (err) => {
          setLive('offline');
          setStreamFailure(describeFailure(err));
        },
      },
    );
    return () => subscription.unsubscribe();
  }, [id, reload, watch]);

  const refundStatus = detail.data?.order.refundStatus;
  const awaitedRefund = useRef(false);
  useEffect(() => {
    if (refundStatus === 'requested') {
      awaitedRefund.current = true;
      const timer = setInterval(() => void reload(), REFUND_POLL_MS);
      return () => clearInterval(timer);
    }
    // The list shows refunds too: it hears when one it saw requested is settled.
    if (awaitedRefund.current) {
      awaitedRefund.current = false;
      onChangeRef.current();
    }
  }, [refundStatus, reload]);

  const act = (fn: () => Promise<unknown>) =>
    action.run(async () => {
      try {
        await fn();
      } finally {
        await reload();
        onChangeRef.current();
      }
    });

  const order = detail.data?.order;
  const checkout = detail.data?.checkout ?? null;
  if (!order) {
    return (
      <section className="card order-detail">
        <FailureNote failure={detail.failure} />
        {detail.failure ? null : <p className="muted">Loading…</p>}
      </section>
    );
  }
  const may = (a: TransitionAction) => canTransition(order.status, a, user.role);
  // An order of a checkout is paid through its checkout, together with the checkout's other unpaid orders.
  const payable = checkout ? checkout.orders.filter((o) => o.status === 'PENDING') : [order];
  const payableWith = payable.filter((o) => o.id !== order.id);
  const others = checkout ? checkout.orders.filter((o) => o.id !== order.id) : [];
  const due = payable.reduce((sum, o) => sum + o.totalCents, 0);
  const refs = (orders: { id: string }[]) => orders.map((o) => orderRef(o.id)).join(', ');

  return (
    <section className="card order-detail" data-testid="order-detail" data-order-id={order.id} data-status={order.status}>
      <div className="section-head">
        <h2>Order {orderRef(order.id)}</h2>
        <StatusPill status={order.status} />
        {watch ? (
          <span className={`live live-${live}`} data-testid="live-indicator" data-state={live} title="Status changes appear here without reloading">
            {LIVE_LABEL[live]}
          </span>
        ) : null}
      </div>
      <FailureNote failure={streamFailure} />
      <Progress status={order.status} />

      {order.deliveryOtp ? (
        <div className="otp">
          <span>Delivery code — read it out to the courier</span>
          <strong data-testid="delivery-otp">{order.deliveryOtp}</strong>
        </div>
      ) : null}
      {order.carrier ? (
        <p className="small">
          Shipped with <strong>{order.carrier}</strong>
          {order.trackingNumber ? <> · tracking <code data-testid="tracking-number">{order.trackingNumber}</code></> : null}
        </p>
      ) : null}

      <table className="items">
        <tbody>
          {order.items.map((i) => (
            <tr key={i.productId}>
              <td>{i.quantity} ×</td>
              <td>{i.productName}</td>
              <td className="num">{money(i.lineTotalCents, order.currency)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td />
            <td>Total</td>
            <td className="num">{money(order.totalCents, order.currency)}</td>
          </tr>
        </tfoot>
      </table>

      <OrderMoney order={order} hints />
      {others.length > 0 && !(may('pay') && payableWith.length > 0) ? (
        <p className="small muted" data-testid="checkout-siblings">
          Checked out together with {refs(others)} from {others.length > 1 ? 'other vendors' : 'another vendor'}.
        </p>
      ) : null}

      {may('pay') ? (
        <div className="actions-box">
          {payableWith.length > 0 ? (
            <p className="note small" data-testid="checkout-pay-note">
              This order is paid through its checkout: one payment of {money(due, order.currency)} pays it together
              with {refs(payableWith)} from {payableWith.length > 1 ? 'other vendors' : 'another vendor'}.
            </p>
          ) : null}
          <CardChoice value={card} onChange={setCard} />
          <button
            type="button"
            className="primary"
            data-testid="order-pay"
            disabled={action.busy}
            onClick={() => void act(() =>
              checkout ? client.checkouts.pay.mutate({ id: checkout.id, paymentToken: card }) : client.orders.pay.mutate({ id, paymentToken: card }),
            )}
          >
            Pay {money(due, order.currency)}{payableWith.length > 0 ? ` for ${payable.length} orders` : ''}
          </button>
        </div>
      ) : null}
      {may('cancel') ? (
        <div className="row actions-box cancel-row">
          <input placeholder="Reason (optional)" value={reason} onChange={(e) => setReason(e.target.value)} aria-label="Reason for cancelling" />
          <button type="button" className="danger" data-testid="order-cancel" disabled={action.busy} onClick={() => void act(() => client.orders.cancel.mutate({ id, reason: reason.trim() || undefined }))}>
            Cancel order
          </button>
        </div>
      ) : null}
      <FailureNote failure={action.failure} />

      <h3>Timeline</h3>
      <Timeline history={detail.data?.history ?? []} user={user} />
    </section>
  );
}

import { useState } from 'react';
import { canTransition, findTransition, type OrderStatus, type TransitionAction } from '@frookoon/sdk';
import { allPages, client, type Notification, type Order, type PayoutEntry, type User } from '../api';
import { FailureNote } from '../components/FailureNote';
import { OrderMoney } from '../components/OrderMoney';
import { StatusPill } from '../components/StatusPill';
import { dateTime, money, orderRef } from '../format';
import { useAction, useLoad } from '../hooks';

const TABS: { label: string; statuses: OrderStatus[] }[] = [
  { label: 'Needs action', statuses: ['CONFIRMED', 'PACKING', 'SHIPPED'] },
  { label: 'Awaiting payment', statuses: ['PENDING'] },
  { label: 'Done', statuses: ['DELIVERED', 'CANCELLED'] },
];

const LEDGER_LABEL: Record<PayoutEntry['kind'], string> = {
  credit: 'Delivered order',
  payout: 'Paid out',
};

const NOTIFICATION_LABEL: Record<string, string> = {
  'order.confirmed': 'New paid order',
  'order.cancelled': 'Order cancelled',
  'payout.released': 'Payout released',
};

type Picklist = Awaited<ReturnType<typeof client.orders.startPacking.mutate>>['picklist'];

function VendorOrder({ order, user, onUpdated }: { order: Order; user: User; onUpdated: (order: Order) => void }) {
  const [picklist, setPicklist] = useState<Picklist | null>(null);
  const [carrier, setCarrier] = useState('BlueDart');
  const [tracking, setTracking] = useState('');
  const [otp, setOtp] = useState('');
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  const action = useAction();
  const may = (a: TransitionAction) => canTransition(order.status, a, user.role);
  const reasonRequired = user.role === 'vendor' && findTransition('cancel', order.status)?.guard === 'reasonFromVendor';
  const run = (fn: () => Promise<Order>) => action.run(async () => onUpdated(await fn()));
  const id = order.id;

  return (
    <article className="card vendor-order" data-testid={`vendor-order-${id}`} data-status={order.status}>
      <header className="section-head">
        <h3>{orderRef(id)}</h3>
        <StatusPill status={order.status} />
        <span className="muted small grow">{dateTime(order.createdAt)}</span>
        <strong>{money(order.totalCents, order.currency)}</strong>
      </header>
      <ul className="small plain">
        {order.items.map((i) => (
          <li key={i.productId}>{i.quantity} × {i.productName} <span className="muted">({i.sku})</span></li>
        ))}
      </ul>
      {picklist ? (
        <div className="picklist" data-testid="picklist">
          <strong>Picklist</strong>
          {picklist.map((l) => <span key={l.sku}><code>{l.sku}</code> × {l.quantity}</span>)}
        </div>
      ) : null}
      <OrderMoney order={order} />
      {order.carrier ? (
        <p className="small">With <strong>{order.carrier}</strong>{order.trackingNumber ? <> · tracking <code>{order.trackingNumber}</code></> : null}</p>
      ) : null}

      <div className="row actions">
        {may('startPacking') ? (
          <button
            type="button"
            className="primary"
            data-testid={`pack-${id}`}
            disabled={action.busy}
            onClick={() => void run(async () => {
              const packed = await client.orders.startPacking.mutate({ id });
              setPicklist(packed.picklist);
              return packed.order;
            })}
          >
            Start packing
          </button>
        ) : null}
        {may('ship') ? (
          <>
            <input aria-label="Carrier" data-testid={`carrier-${id}`} value={carrier} onChange={(e) => setCarrier(e.target.value)} />
            <input aria-label="Tracking number (optional)" placeholder="Tracking no. (optional)" value={tracking} onChange={(e) => setTracking(e.target.value)} />
            <button
              type="button"
              className="primary"
              data-testid={`ship-${id}`}
              disabled={action.busy}
              onClick={() => void run(() => client.orders.ship.mutate({ id, carrier, trackingNumber: tracking.trim() || undefined }))}
            >
              Ship
            </button>
          </>
        ) : null}
        {may('deliver') ? (
          <>
            <input
              aria-label="Delivery code from the customer"
              placeholder="6-digit code"
              inputMode="numeric"
              maxLength={6}
              data-testid={`otp-${id}`}
              value={otp}
              onChange={(e) => setOtp(e.target.value.replace(/\D/g, ''))}
            />
            <button
              type="button"
              className="primary"
              data-testid={`deliver-${id}`}
              disabled={action.busy}
              onClick={() => void run(() => client.orders.deliver.mutate({ id, otp: otp || undefined }))}
            >
              Mark delivered
            </button>
          </>
        ) : null}
        {may('cancel') && !cancelling ? (
          <button type="button" className="ghost danger-text" data-testid={`cancel-${id}`} onClick={() => setCancelling(true)}>Cancel…</button>
        ) : null}
      </div>
      {may('cancel') && cancelling ? (
        <div className="row actions">
          <input
            className="grow"
            aria-label="Reason for cancelling"
            placeholder={reasonRequired ? 'Why can it not be fulfilled? (required)' : 'Reason (optional)'}
            data-testid={`cancel-reason-${id}`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <button
            type="button"
            className="danger"
            data-testid={`confirm-cancel-${id}`}
            disabled={action.busy || (reasonRequired && !reason.trim())}
            onClick={() => void run(() => client.orders.cancel.mutate({ id, reason: reason.trim() || undefined }))}
          >
            Cancel order
          </button>
          <button type="button" className="ghost" onClick={() => setCancelling(false)}>Keep it</button>
        </div>
      ) : null}
      <FailureNote failure={action.failure} />
    </article>
  );
}

function Notifications({ refreshKey }: { refreshKey: number }) {
  const inbox = useLoad(() => client.notifications.list.query({ limit: 20 }), [refreshKey]);
  return (
    <aside className="card notifications" data-testid="notifications">
      <div className="section-head">
        <h2>Inbox</h2>
        <button type="button" className="ghost" onClick={() => void inbox.reload()} disabled={inbox.loading}>Refresh</button>
      </div>
      <FailureNote failure={inbox.failure} />
      {inbox.data && inbox.data.items.length === 0 ? <p className="muted">Nothing yet.</p> : null}
      <ul className="plain">
        {inbox.data?.items.map((n: Notification) => (
          <li key={n.id} className="notification">
            <strong>{NOTIFICATION_LABEL[n.type] ?? n.type}</strong>
            {n.orderId ? <span> · {orderRef(n.orderId)}</span> : null}
            <div className="muted small">{dateTime(n.createdAt)}</div>
          </li>
        ))}
      </ul>
    </aside>
  );
}

/** What the vendor is owed: every delivered order is credited, every payout made is taken off. */
function Payouts({ refreshKey }: { refreshKey: number }) {
  const payouts = useLoad(async () => {
    const [balance, ledger] = await Promise.all([client.payouts.balance.query({}), client.payouts.ledger.query({ limit: 8 })]);
    return { balance, entries: ledger.items };
  }, [refreshKey]);
  const data = payouts.data;
  return (
    <section className="card payouts" data-testid="payouts">
      <div className="section-head">
        <h2>Payouts</h2>
        <button type="button" className="ghost" onClick={() => void payouts.reload()} disabled={payouts.loading}>Refresh</button>
      </div>
      <FailureNote failure={payouts.failure} />
      {data ? (
        <>
          <p className="balance">
            <span className="muted small">Owed to you</span>
            <strong data-testid="payout-balance" data-cents={data.balance.balanceCents}>{money(data.balance.balanceCents, data.balance.currency)}</strong>
          </p>
          <h3>Latest entries</h3>
          {data.entries.length === 0 ? <p className="muted small">An order is credited here once it is delivered.</p> : null}
          <ul className="plain ledger">
            {data.entries.map((e) => (
              <li key={e.id} data-testid="ledger-entry" data-order-id={e.orderId ?? undefined} data-kind={e.kind}>
                <span className="grow">
                  {LEDGER_LABEL[e.kind]}
                  {e.orderId ? <> {orderRef(e.orderId)}</> : null}
                  <span className="muted small ledger-when">{dateTime(e.at)}</span>
                </span>
                <strong className={e.amountCents >= 0 ? 'credit' : 'debit'}>
                  {e.amountCents >= 0 ? '+' : '−'}{money(Math.abs(e.amountCents), e.currency)}
                </strong>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

/** Orders of the vendor (all orders for an admin), acted on with the actions the transition table allows. */
export function VendorConsole({ user }: { user: User }) {
  const orders = useLoad(() => allPages((cursor) => client.orders.list.query({ cursor, limit: 100 }), 300), []);
  const [updated, setUpdated] = useState<Record<string, Order>>({});
  const [tab, setTab] = useState(0);
  // Payouts and inbox are read again on a refresh and when a delivery credits the vendor.
  const [sideKey, setSideKey] = useState(0);
  const all = (orders.data ?? []).map((o) => {
    const newer = updated[o.id];
    return newer && newer.updatedAt >= o.updatedAt ? newer : o;
  });
  const shown = all.filter((o) => TABS[tab]!.statuses.includes(o.status));

  return (
    <div className={user.role === 'vendor' ? 'console with-inbox' : 'console'}>
      <section>
        <div className="section-head">
          <h2>{user.role === 'admin' ? 'All orders' : 'Orders to fulfil'}</h2>
          <button
            type="button"
            className="ghost"
            data-testid="console-refresh"
            onClick={() => { void orders.reload(); setSideKey((n) => n + 1); }}
            disabled={orders.loading}
          >
            Refresh
          </button>
        </div>
        <div className="tabs" role="tablist">
          {TABS.map((t, i) => (
            <button key={t.label} type="button" role="tab" aria-selected={i === tab} className={i === tab ? 'tab active' : 'tab'} onClick={() => setTab(i)}>
              {t.label} <span className="count">{all.filter((o) => t.statuses.includes(o.status)).length}</span>
            </button>
          ))}
        </div>
        <FailureNote failure={orders.failure} />
        {orders.data && shown.length === 0 ? <p className="muted">Nothing here right now.</p> : null}
        <div className="stack">
          {shown.map((o) => (
            <VendorOrder
              key={o.id}
              order={o}
              user={user}
              onUpdated={(next) => {
                setUpdated((u) => ({ ...u, [next.id]: next }));
                if (next.status === 'DELIVERED') setSideKey((n) => n + 1);
              }}
            />
          ))}
        </div>
      </section>
      {user.role === 'vendor' ? (
        <div className="side">
          <Payouts refreshKey={sideKey} />
          <Notifications refreshKey={sideKey} />
        </div>
      ) : null}
    </div>
  );
}

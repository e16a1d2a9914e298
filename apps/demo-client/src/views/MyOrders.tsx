import { client, type User } from '../api';
import { FailureNote } from '../components/FailureNote';
import { RefundTag } from '../components/OrderMoney';
import { StatusPill } from '../components/StatusPill';
import { dateTime, money, orderRef } from '../format';
import { useLoad } from '../hooks';
import { OrderDetail } from './OrderDetail';

/**
 * The customer's orders, with the chosen one followed live. One order is watched at a time: each live stream
 * holds a connection, and a browser keeps only six open to one API host.
 */
export function MyOrders({ user, selected }: { user: User; selected: string | null }) {
  const orders = useLoad(() => client.orders.list.query({ limit: 50 }), []);
  const list = orders.data?.items ?? [];
  const current = selected ?? list[0]?.id ?? null;

  return (
    <div className="orders-layout">
      <section className="card order-list">
        <div className="section-head">
          <h2>My orders</h2>
          <button type="button" className="ghost" onClick={() => void orders.reload()} disabled={orders.loading}>Refresh</button>
        </div>
        <FailureNote failure={orders.failure} />
        {orders.data && list.length === 0 ? <p className="muted">No orders yet: the shop is waiting for you.</p> : null}
        <ul>
          {list.map((o) => (
            <li key={o.id}>
              <button
                type="button"
                className={`order-row ${o.id === current ? 'active' : ''}`}
                data-testid="order-row"
                data-order-id={o.id}
                onClick={() => (window.location.hash = `#/orders/${o.id}`)}
              >
                <span className="order-row-main">
                  <strong>{orderRef(o.id)}</strong>
                  <span className="muted small">{dateTime(o.createdAt)}</span>
                  <span className="small">{o.items.map((i) => `${i.quantity} × ${i.productName}`).join(', ')}</span>
                </span>
                <span className="order-row-side">
                  <StatusPill status={o.status} />
                  <strong>{money(o.totalCents, o.currency)}</strong>
                  <RefundTag order={o} />
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      {current ? <OrderDetail key={current} id={current} user={user} onChange={() => void orders.reload()} /> : null}
    </div>
  );
}

import { useRef, useState } from 'react';
import { isErrorCode } from '@frookoon/sdk';
import { client, type Order, type Product } from '../api';
import { AddressPicker } from '../components/AddressPicker';
import { CardChoice, type TestCardToken } from '../components/CardChoice';
import { FailureNote } from '../components/FailureNote';
import { ProductTile } from '../components/ProductTile';
import { StatusPill } from '../components/StatusPill';
import { money, orderRef } from '../format';
import { useAction } from '../hooks';

/** Quantity per product id. */
export type Cart = Record<string, number>;

interface Line {
  product: Product;
  quantity: number;
}

function totals(amounts: { cents: number; currency: string }[]): string {
  const sums = new Map<string, number>();
  for (const a of amounts) sums.set(a.currency, (sums.get(a.currency) ?? 0) + a.cents);
  return [...sums].map(([currency, cents]) => money(cents, currency)).join(' + ') || money(0, 'INR');
}

/** An order is placed per vendor: a cart spanning vendors becomes several orders, paid one after the other. */
function byVendor(lines: Line[]): Line[][] {
  const groups = new Map<string, Line[]>();
  for (const line of lines) groups.set(line.product.vendorId, [...(groups.get(line.product.vendorId) ?? []), line]);
  return [...groups.values()];
}

export function Checkout(props: { products: Product[]; cart: Cart; setCart: (cart: Cart) => void; onPlaced: () => void; onPaid: () => void }) {
  const { products, cart, setCart } = props;
  const [addressId, setAddressId] = useState<string | null>(null);
  const [placed, setPlaced] = useState<Order[]>([]);
  const [card, setCard] = useState<TestCardToken>('tok_visa');
  const place = useAction();
  const pay = useAction();
  // One idempotency key per distinct order request: a retried click cannot order twice.
  const keys = useRef(new Map<string, string>());

  const productById = new Map(products.map((p) => [p.id, p]));
  const lines: Line[] = Object.entries(cart).flatMap(([id, quantity]) => {
    const product = productById.get(id);
    return product && quantity > 0 ? [{ product, quantity }] : [];
  });
  const groups = byVendor(lines);
  const pending = placed.filter((o) => o.status === 'PENDING');
  const paid = placed.filter((o) => o.status === 'CONFIRMED');

  const setQuantity = (id: string, quantity: number) => {
    const next = { ...cart };
    if (quantity > 0) next[id] = quantity;
    else delete next[id];
    setCart(next);
  };

  const keyFor = (signature: string) => {
    let key = keys.current.get(signature);
    if (!key) keys.current.set(signature, (key = crypto.randomUUID()));
    return key;
  };

  const placeOrders = () =>
    place.run(async () => {
      const requests = groups.map((group) => ({ addressId, items: group.map((l) => ({ productId: l.product.id, quantity: l.quantity })) }));
      const results = await Promise.allSettled(
        requests.map((request) => client.orders.create.mutate({ ...request, idempotencyKey: keyFor(JSON.stringify(request)) })),
      );
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') keys.current.delete(JSON.stringify(requests[i]));
      });
      const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const rest = { ...cart };
      for (const order of created) for (const item of order.items) delete rest[item.productId];
      setCart(rest);
      setPlaced((before) => [...before.filter((o) => o.status === 'PENDING'), ...created]);
      props.onPlaced();
      const refused = results.find((r) => r.status === 'rejected');
      if (refused) throw refused.reason;
    });

  const payOrders = () =>
    pay.run(async () => {
      for (const order of pending) {
        try {
          const done = await client.orders.pay.mutate({ id: order.id, paymentToken: card });
          setPlaced((all) => all.map((o) => (o.id === done.id ? done : o)));
        } catch (err) {
          if (isErrorCode(err, 'PAYMENT_FAILED')) {
            const cancelled = await client.orders.byId.query({ id: order.id });
            setPlaced((all) => all.map((o) => (o.id === cancelled.id ? cancelled : o)));
            props.onPlaced();
          }
          throw err;
        }
      }
    });

  return (
    <aside className="cart card" data-testid="cart">
      {pending.length > 0 ? (
        <section className="pay-step">
          <h2>Payment</h2>
          <ul className="placed">
            {pending.map((o) => (
              <li key={o.id}>
                <span>Order <strong>{orderRef(o.id)}</strong> · {o.items.length} item{o.items.length === 1 ? '' : 's'}</span>
                <strong>{money(o.totalCents, o.currency)}</strong>
              </li>
            ))}
          </ul>
          <p className="muted small">Your stock is reserved until you pay.</p>
          <CardChoice value={card} onChange={setCard} />
          <button type="button" className="primary block" data-testid="pay" disabled={pay.busy} onClick={() => void payOrders()}>
            Pay {totals(pending.map((o) => ({ cents: o.totalCents, currency: o.currency })))}
          </button>
          <FailureNote failure={pay.failure} />
        </section>
      ) : placed.length > 0 ? (
        <section className="pay-step">
          <h2>{paid.length > 0 ? 'Thank you!' : 'Payment declined'}</h2>
          <ul className="placed">
            {placed.map((o) => (
              <li key={o.id} data-testid="placed-order">
                <span>Order <strong>{orderRef(o.id)}</strong></span>
                <StatusPill status={o.status} />
              </li>
            ))}
          </ul>
          <FailureNote failure={pay.failure} />
          <div className="row">
            {paid.length > 0 ? (
              <button type="button" className="primary" data-testid="go-to-orders" onClick={props.onPaid}>Follow my order</button>
            ) : null}
            <button type="button" className="ghost" onClick={() => { setPlaced([]); pay.clear(); }}>Keep shopping</button>
          </div>
        </section>
      ) : null}

      <section>
        <h2>Cart</h2>
        {lines.length === 0 ? <p className="muted">Your cart is empty.</p> : null}
        <ul className="cart-lines">
          {lines.map(({ product, quantity }) => (
            <li key={product.id} data-testid={`cart-line-${product.sku}`}>
              <ProductTile name={product.name} size="small" />
              <div className="grow">
                <div>{product.name}</div>
                <div className="muted small">{money(product.priceCents * quantity, product.currency)}</div>
              </div>
              <div className="stepper">
                <button type="button" aria-label={`One less ${product.name}`} onClick={() => setQuantity(product.id, quantity - 1)}>−</button>
                <span data-testid="cart-quantity">{quantity}</span>
                <button
                  type="button"
                  aria-label={`One more ${product.name}`}
                  disabled={quantity >= (product.stock ?? 0)}
                  onClick={() => setQuantity(product.id, quantity + 1)}
                >
                  +
                </button>
              </div>
            </li>
          ))}
        </ul>
        {lines.length > 0 ? (
          <>
            <div className="total">
              <span>Total</span>
              <strong>{totals(lines.map((l) => ({ cents: l.product.priceCents * l.quantity, currency: l.product.currency })))}</strong>
            </div>
            {groups.length > 1 ? <p className="note small">Your cart spans {groups.length} vendors: it becomes one order per vendor.</p> : null}
            <AddressPicker value={addressId} onChange={setAddressId} />
            <button type="button" className="primary block" data-testid="place-order" disabled={place.busy || !addressId} onClick={() => void placeOrders()}>
              Place {groups.length > 1 ? `${groups.length} orders` : 'order'}
            </button>
          </>
        ) : null}
        <FailureNote failure={place.failure} />
      </section>
    </aside>
  );
}

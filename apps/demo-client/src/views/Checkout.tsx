import { useRef, useState } from 'react';
import { isErrorCode } from '@frookoon/sdk';
import { client, type Order, type PlacedCheckout, type Product } from '../api';
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

function itemsText(order: Order): string {
  return order.items.map((i) => `${i.quantity} × ${i.productName}`).join(', ');
}

/** The orders a checkout was split into, one per vendor. */
function SplitOrders({ checkout, onFollow }: { checkout: PlacedCheckout; onFollow?: (orderId: string) => void }) {
  return (
    <ul className="placed" data-testid="checkout-orders">
      {checkout.orders.map((o) => (
        <li key={o.id} data-testid="placed-order" data-order-id={o.id} data-status={o.status}>
          <span className="grow">
            Order <strong>{orderRef(o.id)}</strong>
            <span className="muted small placed-items">{itemsText(o)}</span>
          </span>
          {onFollow ? (
            <span className="placed-side">
              <StatusPill status={o.status} />
              {o.status === 'CONFIRMED' ? (
                <button type="button" className="link small" data-testid={`follow-${o.id}`} onClick={() => onFollow(o.id)}>Follow</button>
              ) : null}
            </span>
          ) : (
            <strong>{money(o.totalCents, o.currency)}</strong>
          )}
        </li>
      ))}
    </ul>
  );
}

/** A cart of any vendors is checked out at once: one order per vendor, all paid with one charge. */
export function Checkout(props: { products: Product[]; cart: Cart; setCart: (cart: Cart) => void; onPlaced: () => void; onPaid: (orderId: string) => void }) {
  const { products, cart, setCart } = props;
  const [addressId, setAddressId] = useState<string | null>(null);
  const [placed, setPlaced] = useState<PlacedCheckout | null>(null);
  const [card, setCard] = useState<TestCardToken>('tok_visa');
  const place = useAction();
  const pay = useAction();
  // One idempotency key per distinct checkout request: a click retried after a lost answer cannot order twice.
  const keys = useRef(new Map<string, string>());

  const productById = new Map(products.map((p) => [p.id, p]));
  const lines: Line[] = Object.entries(cart).flatMap(([id, quantity]) => {
    const product = productById.get(id);
    return product && quantity > 0 ? [{ product, quantity }] : [];
  });
  const vendors = new Set(lines.map((l) => l.product.vendorId)).size;
  const pending = placed?.orders.filter((o) => o.status === 'PENDING') ?? [];
  const paid = placed?.orders.filter((o) => o.status === 'CONFIRMED') ?? [];
  const due = pending.reduce((sum, o) => sum + o.totalCents, 0);

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

  const checkOut = () =>
    place.run(async () => {
      const request = { addressId, items: lines.map((l) => ({ productId: l.product.id, quantity: l.quantity })) };
      const signature = JSON.stringify(request);
      const created = await client.checkouts.create.mutate({ ...request, idempotencyKey: keyFor(signature) });
      keys.current.delete(signature);
      const rest = { ...cart };
      for (const order of created.orders) for (const item of order.items) delete rest[item.productId];
      setCart(rest);
      setPlaced(created);
      pay.clear();
      props.onPlaced();
    });

  const payCheckout = (checkout: PlacedCheckout) =>
    pay.run(async () => {
      try {
        setPlaced(await client.checkouts.pay.mutate({ id: checkout.id, paymentToken: card }));
      } catch (err) {
        if (isErrorCode(err, 'PAYMENT_FAILED')) {
          setPlaced(await client.checkouts.byId.query({ id: checkout.id }));
          props.onPlaced();
        }
        throw err;
      }
    });

  return (
    <aside className="cart card" data-testid="cart">
      {placed && pending.length > 0 ? (
        <section className="pay-step" data-testid="checkout" data-checkout-id={placed.id}>
          <h2>Payment</h2>
          <p className="small">
            {placed.orders.length > 1
              ? `Your cart was split into ${placed.orders.length} orders, one per vendor, paid together:`
              : 'Your order, ready to pay:'}
          </p>
          <SplitOrders checkout={placed} />
          <div className="total">
            <span>One payment</span>
            <strong data-testid="checkout-total">{money(due, placed.currency)}</strong>
          </div>
          <p className="muted small">Your stock is reserved until you pay. Not now? It waits under My orders.</p>
          <CardChoice value={card} onChange={setCard} />
          <button type="button" className="primary block" data-testid="pay" disabled={pay.busy} onClick={() => void payCheckout(placed)}>
            Pay {money(due, placed.currency)}
          </button>
          <FailureNote failure={pay.failure} />
        </section>
      ) : placed ? (
        <section className="pay-step" data-testid="checkout" data-checkout-id={placed.id}>
          <h2>{paid.length > 0 ? 'Thank you!' : 'Payment declined'}</h2>
          {paid.length > 0 ? (
            <p className="small" data-testid="checkout-paid">
              One payment of <strong>{money(paid.reduce((sum, o) => sum + o.paidCents, 0), placed.currency)}</strong>
              {paid.length > 1 ? ` for ${paid.length} orders; each vendor sends its own.` : '.'}
            </p>
          ) : null}
          <SplitOrders checkout={placed} onFollow={props.onPaid} />
          <FailureNote failure={pay.failure} />
          <div className="row">
            {paid.length > 0 ? (
              <button type="button" className="primary" data-testid="go-to-orders" onClick={() => props.onPaid(paid[0]!.id)}>
                {paid.length > 1 ? 'See my orders' : 'Follow my order'}
              </button>
            ) : null}
            <button type="button" className="ghost" onClick={() => { setPlaced(null); pay.clear(); }}>Keep shopping</button>
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
            {vendors > 1 ? <p className="note small">Your cart spans {vendors} vendors: one payment, and one order per vendor.</p> : null}
            <AddressPicker value={addressId} onChange={setAddressId} />
            <button type="button" className="primary block" data-testid="place-order" disabled={place.busy || !addressId} onClick={() => void checkOut()}>
              Check out
            </button>
          </>
        ) : null}
        <FailureNote failure={place.failure} />
      </section>
    </aside>
  );
}

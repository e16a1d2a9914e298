import { allPages, client, type Product, type User } from '../api';
import { FailureNote } from '../components/FailureNote';
import { ProductTile } from '../components/ProductTile';
import { money } from '../format';
import { useLoad } from '../hooks';
import { Checkout, type Cart } from './Checkout';

function StockBadge({ stock }: { stock: number | null }) {
  if (stock === null || stock === 0) return <span className="stock stock-out">Sold out</span>;
  if (stock <= 5) return <span className="stock stock-low">Only {stock} left</span>;
  return <span className="stock">{stock} in stock</span>;
}

export function Shop({ user, cart, setCart, onPaid }: { user: User; cart: Cart; setCart: (cart: Cart) => void; onPaid: (orderId: string) => void }) {
  const products = useLoad(() => allPages((cursor) => client.products.list.query({ cursor, limit: 100 })), []);
  const shopping = user.role === 'customer';

  const add = (p: Product) => setCart({ ...cart, [p.id]: Math.min((cart[p.id] ?? 0) + 1, p.stock ?? 0) });

  return (
    <div className={shopping ? 'shop with-cart' : 'shop'}>
      <section>
        <div className="section-head">
          <h2>Catalogue</h2>
          <button type="button" className="ghost" onClick={() => void products.reload()} disabled={products.loading}>Refresh stock</button>
        </div>
        {shopping ? null : <p className="note">You are signed in as {user.role}: this is the live stock. Customers fill carts and place orders.</p>}
        <FailureNote failure={products.failure} />
        <div className="product-grid">
          {products.data?.map((p) => {
            const inCart = cart[p.id] ?? 0;
            return (
              <article key={p.id} className="product" data-testid={`product-${p.sku}`}>
                <ProductTile name={p.name} />
                <div className="product-body">
                  <h3>{p.name}</h3>
                  <p className="muted small">{p.sku}</p>
                  <div className="product-foot">
                    <strong>{money(p.priceCents, p.currency)}</strong>
                    <StockBadge stock={p.stock} />
                  </div>
                  {shopping ? (
                    <button
                      type="button"
                      className="primary block"
                      data-testid={`add-${p.sku}`}
                      disabled={!p.stock || inCart >= p.stock}
                      onClick={() => add(p)}
                    >
                      {inCart ? `Add another (${inCart} in cart)` : 'Add to cart'}
                    </button>
                  ) : null}
                </div>
              </article>
            );
          })}
        </div>
      </section>
      {shopping ? (
        <Checkout products={products.data ?? []} cart={cart} setCart={setCart} onPlaced={() => void products.reload()} onPaid={onPaid} />
      ) : null}
    </div>
  );
}

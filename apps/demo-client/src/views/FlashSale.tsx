import { useState } from 'react';
import { getProblem, isErrorCode, type ErrorCode } from '@frookoon/sdk';
import { allPages, client, describeFailure, separateClient, type Failure, type Order, type User } from '../api';
import { AddressPicker } from '../components/AddressPicker';
import { FailureNote } from '../components/FailureNote';
import { useAction, useLoad } from '../hooks';

const MAX_SHOPPERS = 50;

interface Outcome {
  productName: string;
  shoppers: number;
  accepted: Order[];
  outOfStock: number;
  /** Refusals for any other reason, by error code. */
  other: Partial<Record<ErrorCode | 'NETWORK', number>>;
  sampleRefusal: Failure | null;
  stockBefore: number;
  stockAfter: number;
  elapsedMs: number;
}

function Verdict({ outcome }: { outcome: Outcome }) {
  const sold = outcome.stockBefore - outcome.stockAfter;
  const exact = sold === outcome.accepted.length && outcome.stockAfter >= 0;
  return (
    <p className={exact ? 'verdict ok' : 'verdict bad'} data-testid="flash-verdict" data-ok={exact}>
      {!exact
        ? `Stock fell by ${sold} while ${outcome.accepted.length} orders were accepted: someone else ordered or restocked at the same time.`
        : outcome.stockAfter === 0
          ? `Sold exactly the ${sold} unit${sold === 1 ? '' : 's'} in stock and not one more: the stock ended at zero.`
          : `Stock fell by exactly the ${sold} unit${sold === 1 ? '' : 's'} sold.`}
    </p>
  );
}

/**
 * Many shoppers race for the last units of one product: each fires its order at the same moment over a
 * connection of its own, and the server's stock locks decide who gets one.
 */
export function FlashSale({ user }: { user: User }) {
  const vendorId = user.role === 'vendor' ? (user.vendorId ?? undefined) : undefined;
  const products = useLoad(() => allPages((cursor) => client.products.list.query({ cursor, limit: 100, vendorId })), [vendorId]);
  const [productId, setProductId] = useState<string | null>(null);
  const [target, setTarget] = useState(3);
  const [shoppers, setShoppers] = useState(20);
  const [addressId, setAddressId] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const restock = useAction();
  const fire = useAction();
  const release = useAction();
  const product = products.data?.find((p) => p.id === productId) ?? products.data?.[0];
  const managesStock = user.role === 'vendor' || user.role === 'admin';

  const setStock = () =>
    restock.run(async () => {
      if (!product) return;
      const { quantity } = await client.stock.get.query({ productId: product.id });
      if (quantity !== target) await client.stock.adjust.mutate({ productId: product.id, delta: target - quantity, reason: `Flash sale: stock set to ${target}` });
      await products.reload();
    });

  const rush = () =>
    fire.run(async () => {
      if (!product || !addressId) return;
      setOutcome(null);
      const stockBefore = (await client.stock.get.query({ productId: product.id })).quantity;
      const started = performance.now();
      const results = await Promise.allSettled(
        Array.from({ length: shoppers }, () =>
          separateClient().orders.create.mutate({ addressId, items: [{ productId: product.id, quantity: 1 }] }),
        ),
      );
      const elapsedMs = performance.now() - started;
      const stockAfter = (await client.stock.get.query({ productId: product.id })).quantity;
      const accepted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const refusals = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      const other: Outcome['other'] = {};
      for (const err of refusals) {
        if (isErrorCode(err, 'INSUFFICIENT_STOCK')) continue;
        const code = getProblem(err)?.error_code ?? 'NETWORK';
        other[code] = (other[code] ?? 0) + 1;
      }
      setOutcome({
        productName: product.name, shoppers, accepted, elapsedMs, stockBefore, stockAfter, other,
        outOfStock: refusals.filter((err) => isErrorCode(err, 'INSUFFICIENT_STOCK')).length,
        sampleRefusal: refusals.length > 0 ? describeFailure(refusals[0]) : null,
      });
      await products.reload();
    });

  const releaseAccepted = () =>
    release.run(async () => {
      if (!outcome) return;
      await Promise.all(outcome.accepted.map((o) => client.orders.cancel.mutate({ id: o.id, reason: 'Flash sale demo: units released' })));
      setOutcome({ ...outcome, accepted: [] });
      await products.reload();
    });

  return (
    <div className="flash">
      <section className="card flash-setup">
        <h2>Flash sale</h2>
        <p className="muted">
          Set a product's stock low, then let many shoppers order it at the same instant. The server must sell exactly
          what is in stock: every other shopper is told it is sold out, and the stock never goes below zero.
        </p>
        <FailureNote failure={products.failure} />
        <label className="field">
          Product
          <select data-testid="flash-product" value={product?.id ?? ''} onChange={(e) => setProductId(e.target.value)}>
            {products.data?.map((p) => (
              <option key={p.id} value={p.id}>{p.name} — {p.stock ?? 0} in stock</option>
            ))}
          </select>
        </label>
        <p className="stock-now">
          In stock now: <strong data-testid="flash-stock-now">{product?.stock ?? '—'}</strong>
        </p>

        <div className="two-up">
          <div className="step">
            <h3><span className="step-no">1</span> Set the stock</h3>
            {managesStock ? (
              <div className="row">
                <label className="field">
                  Units
                  <input type="number" min={0} max={1000} data-testid="flash-stock-target" value={target} onChange={(e) => setTarget(Math.max(0, Number(e.target.value)))} />
                </label>
                <button type="button" className="primary" data-testid="flash-set-stock" disabled={restock.busy || !product} onClick={() => void setStock()}>
                  Set stock
                </button>
              </div>
            ) : (
              <p className="muted small">Stock is set by the product's vendor or an admin: sign in as the demo vendor in another window.</p>
            )}
            <FailureNote failure={restock.failure} />
          </div>
          <div className="step">
            <h3><span className="step-no">2</span> Open the doors</h3>
            {user.role === 'customer' ? (
              <>
                <label className="field">
                  Shoppers, one unit each
                  <input
                    type="number"
                    min={1}
                    max={MAX_SHOPPERS}
                    data-testid="flash-shoppers"
                    value={shoppers}
                    onChange={(e) => setShoppers(Math.min(MAX_SHOPPERS, Math.max(1, Number(e.target.value))))}
                  />
                </label>
                <AddressPicker value={addressId} onChange={setAddressId} />
                <button type="button" className="primary block" data-testid="flash-fire" disabled={fire.busy || !product || !addressId} onClick={() => void rush()}>
                  {fire.busy ? 'Ordering…' : `Fire ${shoppers} orders at once`}
                </button>
              </>
            ) : (
              <p className="muted small">Orders are placed by customers: sign in as the demo customer in another window to fire them.</p>
            )}
            <FailureNote failure={fire.failure} />
          </div>
        </div>
      </section>

      {outcome ? (
        <section className="card flash-result" data-testid="flash-result">
          <h2>{outcome.shoppers} shoppers, one “{outcome.productName}” each</h2>
          <div className="stats">
            <div className="stat good"><strong data-testid="flash-accepted">{outcome.accepted.length}</strong>accepted</div>
            <div className="stat warn"><strong data-testid="flash-insufficient">{outcome.outOfStock}</strong>refused: sold out</div>
            <div className="stat"><strong data-testid="flash-other">{Object.values(outcome.other).reduce((a, b) => a + b, 0)}</strong>other refusals</div>
            <div className="stat">
              <strong>
                <span data-testid="flash-stock-before">{outcome.stockBefore}</span> → <span data-testid="flash-stock-after">{outcome.stockAfter}</span>
              </strong>
              stock before → after
            </div>
          </div>
          <Verdict outcome={outcome} />
          <p className="muted small">All {outcome.shoppers} answers arrived in {Math.round(outcome.elapsedMs)} ms.</p>
          {Object.entries(outcome.other).map(([code, n]) => (
            <p key={code} className="small">{n} × <code>{code}</code></p>
          ))}
          {outcome.sampleRefusal ? (
            <>
              <h3>What a refused shopper sees</h3>
              <FailureNote failure={outcome.sampleRefusal} testId="flash-refusal" />
            </>
          ) : null}
          {outcome.accepted.length > 0 ? (
            <button type="button" className="ghost" data-testid="flash-release" disabled={release.busy} onClick={() => void releaseAccepted()}>
              Cancel the {outcome.accepted.length} accepted order{outcome.accepted.length === 1 ? '' : 's'} and put the units back
            </button>
          ) : null}
          <FailureNote failure={release.failure} />
        </section>
      ) : null}
    </div>
  );
}

import { client } from '../api';
import { FailureNote } from '../components/FailureNote';
import { dateTime } from '../format';
import { useLoad } from '../hooks';

/** The stock invariant, checked by the server over every product: stock equals the sum of its ledger. */
export function StockAudit() {
  const audit = useLoad(() => client.stock.audit.query(), []);
  const result = audit.data;
  return (
    <section className="card audit" data-testid="stock-audit">
      <div className="section-head">
        <h2>Stock audit</h2>
        <button type="button" className="primary" data-testid="run-audit" onClick={() => void audit.reload()} disabled={audit.loading}>
          {audit.loading ? 'Checking…' : 'Check again'}
        </button>
      </div>
      <p className="muted">
        Every change of stock is also a row in an append-only ledger. The audit checks, for every product, that the
        stock on the shelf equals the sum of its ledger rows.
      </p>
      <FailureNote failure={audit.failure} />
      {result ? (
        <>
          <p className={result.sound ? 'verdict ok' : 'verdict bad'} data-testid="audit-verdict" data-sound={result.sound}>
            {result.sound ? 'Sound: every stock equals the sum of its ledger.' : `${result.mismatches.length} product(s) disagree with their ledger.`}
          </p>
          <p className="muted small">Checked {dateTime(result.checkedAt)}</p>
          {result.mismatches.length > 0 ? (
            <table className="items">
              <thead>
                <tr><th>Product</th><th className="num">Stock</th><th className="num">Ledger total</th></tr>
              </thead>
              <tbody>
                {result.mismatches.map((m) => (
                  <tr key={m.productId}><td><code>{m.productId}</code></td><td className="num">{m.quantity}</td><td className="num">{m.ledgerTotal}</td></tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

import { useId } from 'react';

/** The payment gateway's test cards: each token stands for a card and decides the outcome. */
const TEST_CARDS = [
  { token: 'tok_visa', label: 'Visa •••• 4242', outcome: 'Payment succeeds' },
  { token: 'tok_chargeDeclined', label: 'Visa •••• 0002', outcome: 'Card is declined' },
] as const;

export type TestCardToken = (typeof TEST_CARDS)[number]['token'];

export function CardChoice({ value, onChange }: { value: TestCardToken; onChange: (token: TestCardToken) => void }) {
  const group = useId();
  return (
    <fieldset className="cards">
      <legend>Pay with a test card</legend>
      {TEST_CARDS.map((c) => (
        <label key={c.token} className={`choice card-choice ${value === c.token ? 'chosen' : ''}`}>
          <input type="radio" name={group} value={c.token} checked={value === c.token} onChange={() => onChange(c.token)} data-testid={`card-${c.token}`} />
          <span>
            <strong>{c.label}</strong>
            <span className="muted small">{c.outcome} · <code>{c.token}</code></span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

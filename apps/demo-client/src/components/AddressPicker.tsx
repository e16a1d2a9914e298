import { useEffect, useState, type FormEvent } from 'react';
import { client, type Address, type NewAddress } from '../api';
import { useAction, useLoad } from '../hooks';
import { FailureNote } from './FailureNote';

function oneLine(a: Address): string {
  return [a.line1, a.line2, a.city, a.postalCode, a.country].filter(Boolean).join(', ');
}

/** Choose one of the customer's delivery addresses, or add one. */
export function AddressPicker({ value, onChange }: { value: string | null; onChange: (id: string | null) => void }) {
  const addresses = useLoad(() => client.addresses.list.query(), []);
  const [adding, setAdding] = useState(false);
  const save = useAction();
  const list = addresses.data;

  useEffect(() => {
    if (!list) return;
    if (list.length === 0) setAdding(true);
    else if (!value || !list.some((a) => a.id === value)) onChange(list[0]!.id);
  }, [list, value, onChange]);

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    const input: NewAddress = {
      line1: text('line1') ?? '', line2: text('line2'), city: text('city') ?? '',
      postalCode: text('postalCode') ?? '', country: text('country') ?? '', phone: text('phone'),
    };
    await save.run(async () => {
      const created = await client.addresses.create.mutate(input);
      await addresses.reload();
      onChange(created.id);
      setAdding(false);
    });
  }

  return (
    <fieldset className="address-picker">
      <legend>Deliver to</legend>
      <FailureNote failure={addresses.failure} />
      {list?.map((a) => (
        <label key={a.id} className={`choice ${value === a.id ? 'chosen' : ''}`}>
          <input type="radio" name="address" checked={value === a.id} onChange={() => onChange(a.id)} data-testid="address-option" />
          <span>{oneLine(a)}</span>
        </label>
      ))}
      {adding ? (
        <form className="address-form" onSubmit={add} data-testid="address-form">
          <label className="wide">Street <input name="line1" required autoComplete="address-line1" /></label>
          <label className="wide">Flat, floor (optional) <input name="line2" autoComplete="address-line2" /></label>
          <label>City <input name="city" required autoComplete="address-level2" /></label>
          <label>Postal code <input name="postalCode" required autoComplete="postal-code" /></label>
          <label>Country <input name="country" defaultValue="IN" maxLength={2} required autoComplete="country" /></label>
          <label>Phone (optional) <input name="phone" type="tel" autoComplete="tel" /></label>
          <div className="row wide">
            <button type="submit" className="primary" disabled={save.busy}>Save address</button>
            {list && list.length > 0 ? <button type="button" className="ghost" onClick={() => setAdding(false)}>Cancel</button> : null}
          </div>
          <FailureNote failure={save.failure} />
        </form>
      ) : (
        <button type="button" className="link" onClick={() => setAdding(true)}>+ Add a new address</button>
      )}
    </fieldset>
  );
}

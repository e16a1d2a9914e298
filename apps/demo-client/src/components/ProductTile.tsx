import { initials, tileColours } from '../format';

/** A coloured tile standing in for a product photo. */
export function ProductTile({ name, size = 'large' }: { name: string; size?: 'large' | 'small' }) {
  const [from, to] = tileColours(name);
  return (
    <div
      className={`tile tile-${size}`}
      aria-hidden="true"
      style={{ background: `linear-gradient(135deg, ${from}, ${to})` }}
    >
      {initials(name)}
    </div>
  );
}

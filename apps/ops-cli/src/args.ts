import { InvalidArgumentError } from 'commander';

/** An integer argument within bounds; anything else is a usage error naming the bounds. */
export function integer(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^[+-]?\d+$/.test(value.trim()) || n < min || n > max) throw new InvalidArgumentError(`Give a whole number from ${min} to ${max}.`);
    return n;
  };
}

/**
 * An instant as the API takes it (ISO 8601 with offset): a date alone is midnight UTC, a time without an offset
 * is UTC too, so that a search means the same wherever it is typed.
 */
export function instant(value: string): string {
  const text = value.trim();
  const withZone = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`;
  const at = new Date(withZone);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError('Give a date (2026-01-07) or an instant (2026-01-07T10:00:00Z).');
  }
  return at.toISOString();
}

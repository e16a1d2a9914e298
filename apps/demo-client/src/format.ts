import type { OrderStatus } from '@frookoon/sdk';

export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
}

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function dateTime(at: Date): string {
  return when.format(at);
}

/** A short, readable reference for an order id. */
export function orderRef(id: string): string {
  return `#${id.slice(-6).toUpperCase()}`;
}

export const STATUS_LABEL: Record<OrderStatus, string> = {
  PENDING: 'Awaiting payment',
  CONFIRMED: 'Confirmed',
  PACKING: 'Packing',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  CANCELLED: 'Cancelled',
};

/** Orchard colours for product tiles: a product always gets the same one, from its name. */
const TILE_COLOURS: readonly [string, string][] = [
  ['#f7b733', '#fc4a1a'],
  ['#a8e063', '#56ab2f'],
  ['#f85032', '#c0392b'],
  ['#c471ed', '#7b3fa0'],
  ['#ffd86f', '#f09819'],
  ['#ff9a8b', '#e2546a'],
  ['#d4fc79', '#79b63a'],
  ['#b06ab3', '#6a3093'],
];

export function tileColours(name: string): [string, string] {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) % 9973;
  return TILE_COLOURS[h % TILE_COLOURS.length]!;
}

export function initials(name: string): string {
  const words = name.replace(/[^\p{L}\s]/gu, ' ').split(/\s+/).filter(Boolean);
  return ((words[0]?.[0] ?? '?') + (words[1]?.[0] ?? '')).toUpperCase();
}

declare module 'pg/lib/utils.js' {
  /** How node-postgres turns a JavaScript value into a parameter's text (dates, arrays, objects as JSON). */
  export function prepareValue(value: unknown): string | Buffer | null;
}

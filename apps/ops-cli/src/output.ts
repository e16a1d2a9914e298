import Table from 'cli-table3';
import { getProblem, type ProblemDetails } from '@frookoon/sdk';

/** How a command answers: one JSON document for scripts (`--json`), or text and tables for people. */
export interface Output {
  json: boolean;
}

/** Prints `data` as JSON with `--json`, else what `render` makes of it for a person. */
export function emit(out: Output, data: unknown, render: () => string): void {
  process.stdout.write(out.json ? `${JSON.stringify(data, null, 2)}\n` : `${render()}\n`);
}

/** One line per event of a stream: JSON Lines with `--json`, so a script can read each as it comes. */
export function emitLine(out: Output, data: unknown, render: () => string): void {
  process.stdout.write(`${out.json ? JSON.stringify(data) : render()}\n`);
}

// Plain borders and no colours: the same text on a terminal, in a pipe and in a log.
const style = { head: [], border: [], compact: true };

type Cell = string | number | null | undefined;

export function table(head: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const t = new Table({ head: [...head], style });
  t.push(...rows.map((r) => r.map((c) => c ?? '—')));
  return t.toString();
}

/** A record shown as one `name │ value` row per field. */
export function details(fields: Record<string, Cell>): string {
  const t = new Table({ style });
  t.push(...Object.entries(fields).map(([name, value]) => ({ [name]: value ?? '—' })));
  return t.toString();
}

export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);
}

/** UTC to the second, as the API's logs and request ids are read. */
export function when(at: Date | string): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A problem as a person reads it: title and code, detail, each field error, and the id support asks for. */
export function describeProblem(problem: ProblemDetails): string {
  return [
    `Error: ${problem.title} (${problem.error_code}, ${problem.status})`,
    ...(problem.detail && problem.detail !== problem.title ? [problem.detail] : []),
    ...problem.errors.map((e) => `  ${e.field}: ${e.message}`),
    ...(problem.error_code === 'UNAUTHORIZED' ? ['Log in with `pnpm ops login`, or set FROOKOON_TOKEN.'] : []),
    `Request id: ${problem.request_id}`,
  ].join('\n');
}

/** Reports a failed command on stderr: the API's problem when there is one, else what went wrong on the way. */
export function reportError(out: Output, err: unknown, url: string): void {
  const problem = getProblem(err);
  if (problem) {
    process.stderr.write(`${out.json ? JSON.stringify(problem, null, 2) : describeProblem(problem)}\n`);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  const unreachable = message === 'fetch failed';
  const failure = {
    title: unreachable ? `Cannot reach the API at ${url}` : message,
    detail: unreachable ? `${rootCause(err)}: is it running? (FROOKOON_URL or --url names another)` : undefined,
  };
  process.stderr.write(
    out.json ? `${JSON.stringify(failure, null, 2)}\n` : `Error: ${failure.title}\n${failure.detail ? `${failure.detail}\n` : ''}`,
  );
}

/** The innermost message of a chain of causes, e.g. `connect ECONNREFUSED 127.0.0.1:4000` under `fetch failed`. */
function rootCause(err: unknown): string {
  let deepest = err;
  while (deepest instanceof Error && deepest.cause instanceof Error) deepest = deepest.cause;
  return deepest instanceof Error ? deepest.message : String(deepest);
}

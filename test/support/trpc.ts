import superjson from 'superjson';
import type { ProblemDetails } from '@frookoon/sdk';

/** A raw tRPC error body is superjson-encoded; the SDK decodes it to `error.data.problem`. */
export function trpcProblem(body: unknown): ProblemDetails {
  const encoded = (body as { error: Parameters<typeof superjson.deserialize>[0] }).error;
  return superjson.deserialize<{ data: { problem: ProblemDetails } }>(encoded).data.problem;
}

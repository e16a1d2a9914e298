import { makeProblem, type ProblemDetails } from '@frookoon/contract';
import { toAppError } from './to-app-error';

/** Any error, on either face, as the problem object of the contract. */
export function toProblem(err: unknown, where: { instance: string; requestId: string }): ProblemDetails {
  const appError = toAppError(err);
  const detail = appError.code === 'INTERNAL_ERROR' ? 'An unexpected error occurred. Please try again later.' : appError.message;
  const problem = makeProblem({ code: appError.code, detail, errors: appError.errors, instance: where.instance, requestId: where.requestId });
  return appError.retryAfter === undefined ? problem : { ...problem, retryAfter: appError.retryAfter };
}

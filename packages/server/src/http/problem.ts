import type { Response } from 'express';
import { makeProblem, PROBLEM_CONTENT_TYPE, type ProblemDetails } from '@frookoon/contract';
import { toAppError } from '../errors/to-app-error';

/** Any error, on either face, as the problem object of the contract. */
export function toProblem(err: unknown, where: { instance: string; requestId: string }): ProblemDetails {
  const appError = toAppError(err);
  const detail = appError.code === 'INTERNAL_ERROR' ? 'An unexpected error occurred. Please try again later.' : appError.message;
  return makeProblem({ code: appError.code, detail, errors: appError.errors, instance: where.instance, requestId: where.requestId });
}

export function sendProblem(res: Response, problem: ProblemDetails, headers: Record<string, string> = {}): void {
  res.status(problem.status).set(headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

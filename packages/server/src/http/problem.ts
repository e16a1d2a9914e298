import type { Response } from 'express';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from '@frookoon/contract';

export function sendProblem(res: Response, problem: ProblemDetails, headers: Record<string, string> = {}): void {
  res.status(problem.status).set(headers).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

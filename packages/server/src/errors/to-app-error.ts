import { TRPCError } from '@trpc/server';
import { ZodError, type z } from 'zod';
import { isDataException, isDatabaseUnavailable, isRetryableConflict } from '@frookoon/db';
import { MAX_BATCH_CALLS, type ErrorCode, type ProblemFieldError } from '@frookoon/contract';
import { AppError } from './app-error';

const fieldPath = (path: readonly PropertyKey[]): string => path.map(String).join('.');

function isUuidIssue(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'invalid_format' && (issue.format === 'uuid' || issue.format === 'guid');
}

/** zod issues → `INVALID_UUID` when every problem is a malformed id, else `VALIDATION_ERROR`. */
export function fromZodError(err: ZodError): AppError {
  const errors: ProblemFieldError[] = err.issues.map((issue) => {
    const field = fieldPath(issue.path) || 'body';
    return { field, message: isUuidIssue(issue) ? `Invalid format for ${field}` : issue.message };
  });
  if (err.issues.every(isUuidIssue)) {
    return new AppError('INVALID_UUID', errors.map((e) => e.message).join('; '), { errors, cause: err });
  }
  const detail = errors.length === 1 ? `${errors[0]!.field}: ${errors[0]!.message}` : `${errors.length} fields are invalid`;
  return new AppError('VALIDATION_ERROR', detail, { errors, cause: err });
}

const TRPC_CODE_MAP: Partial<Record<TRPCError['code'], [ErrorCode, string]>> = {
  PARSE_ERROR: ['VALIDATION_ERROR', 'The request body is not valid JSON'],
  BAD_REQUEST: ['VALIDATION_ERROR', 'The request is not valid'],
  UNAUTHORIZED: ['UNAUTHORIZED', 'Authentication is required'],
  FORBIDDEN: ['FORBIDDEN', 'You may not do this'],
  NOT_FOUND: ['NOT_FOUND', 'No such resource'],
  METHOD_NOT_SUPPORTED: ['METHOD_NOT_ALLOWED', 'This procedure is not called with this HTTP method (queries with GET, mutations with POST)'],
  UNSUPPORTED_MEDIA_TYPE: ['VALIDATION_ERROR', 'Send the body as application/json'],
  PAYLOAD_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'The request body is too large'],
  TOO_MANY_REQUESTS: ['RATE_LIMITED', 'Too many requests'],
};

/**
 * The single translation of anything thrown into the domain's error: domain errors pass through,
 * validation and driver errors get their codes, everything else is an `INTERNAL_ERROR` (see `isUnexpected`).
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof TRPCError) {
    // Input that fails its schema is the caller's mistake; output that fails its schema is ours.
    if (err.cause instanceof ZodError) {
      return err.code === 'BAD_REQUEST' ? fromZodError(err.cause) : new AppError('INTERNAL_ERROR', 'Something went wrong on our side', { cause: err });
    }
    if (err.cause && !(err.cause instanceof TRPCError) && err.cause !== err) {
      const inner = toAppError(err.cause);
      if (inner.code !== 'INTERNAL_ERROR' || err.code === 'INTERNAL_SERVER_ERROR') return inner;
    }
    // The adapter's `maxBatchSize` refuses the whole request before any procedure runs.
    if (err.code === 'BAD_REQUEST' && err.message === 'Batch call exceeds maximum size') {
      const message = `A request may batch at most ${MAX_BATCH_CALLS} calls; send the others in further requests`;
      return new AppError('VALIDATION_ERROR', message, { errors: [{ field: 'batch', message }], cause: err });
    }
    const mapped = TRPC_CODE_MAP[err.code];
    if (mapped) return new AppError(mapped[0], mapped[1], { cause: err });
    return new AppError('INTERNAL_ERROR', 'Something went wrong on our side', { cause: err });
  }
  if (err instanceof ZodError) return fromZodError(err);
  if (isRetryableConflict(err)) {
    return new AppError('CONCURRENT_ORDER_CONFLICT', 'High demand! Someone just ordered the last item. Please try again.', { cause: err });
  }
  if (isDataException(err)) {
    // Schemas bound every value; what still fails here is text the database cannot hold (such as NUL).
    return new AppError('VALIDATION_ERROR', 'A value in the request cannot be stored as given', { cause: err });
  }
  if (isDatabaseUnavailable(err)) {
    return new AppError('SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; please retry shortly', { cause: err });
  }
  return new AppError('INTERNAL_ERROR', 'Something went wrong on our side', { cause: err });
}

/** An error nobody meant to throw: logged with its stack, answered without detail. */
export function isUnexpected(err: AppError): boolean {
  return err.code === 'INTERNAL_ERROR';
}

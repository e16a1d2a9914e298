export * from '@frookoon/contract';
export { createFrookoonClient, type FrookoonClient, type FrookoonClientOptions, type RetryOptions } from './client';
export { getProblem, isErrorCode, isRetryable, type FrookoonError } from './errors';
export type { AppRouter, RouterInputs, RouterOutputs } from '@frookoon/server';

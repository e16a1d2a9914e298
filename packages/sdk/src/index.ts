export * from '@frookoon/contract';
export { createFrookoonClient, type FrookoonClient, type FrookoonClientOptions } from './client';
export { getProblem, isRetryable } from './errors';
export type { AppRouter, RouterInputs, RouterOutputs } from '@frookoon/server';

/**
 * The most calls one tRPC batch request may carry; a larger batch is refused as a whole with `VALIDATION_ERROR`.
 * The SDK splits its batches at this size.
 */
export const MAX_BATCH_CALLS = 10;

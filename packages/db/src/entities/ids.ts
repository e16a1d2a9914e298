import { uuidv7 } from 'uuidv7';

/** Time-ordered UUIDs (v7) keep new rows at the right edge of every primary-key index. */
export const newId = (): string => uuidv7();

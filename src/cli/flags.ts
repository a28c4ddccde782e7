import { ValidationError } from '../core/errors.js';

/**
 * Validation names fields as the data model does (`events[1]`); on the command line the user
 * typed flags, so the same issues are re-labelled `--events`.
 */
export async function withFlagNames<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.issues.map((issue) => ({ ...issue, field: `--${issue.field.replace(/\[\d+\]$/, '')}` })),
    );
  }
}

/** Retry decisions (SPEC §4): pure, the clock passed in. */

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [10_000, 60_000, 300_000];

export type AttemptOutcome = { ok: true } | { ok: false };

export type NextStep =
  | { status: 'succeeded' }
  | { status: 'retrying'; nextAttemptAt: number }
  | { status: 'failed' };

export function isSuccessStatus(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

/**
 * After attempt number `attempt` (1-based) ended at `endedAt`, what happens next: the n-th retry
 * is due `delays[n-1]` after the failed attempt; with the delays used up the delivery is failed.
 */
export function nextStep(attempt: number, outcome: AttemptOutcome, delays: readonly number[], endedAt: number): NextStep {
  if (outcome.ok) return { status: 'succeeded' };
  const delay = delays[attempt - 1];
  if (delay === undefined) return { status: 'failed' };
  return { status: 'retrying', nextAttemptAt: endedAt + delay };
}

export function maxAttempts(delays: readonly number[]): number {
  return delays.length + 1;
}

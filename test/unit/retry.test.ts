import { describe, expect, test } from 'vitest';
import { DEFAULT_RETRY_DELAYS_MS, isSuccessStatus, maxAttempts, nextStep } from '../../src/core/retry.js';

const ENDED = 1_000_000;

describe('nextStep with the default schedule (10 s, 60 s, 300 s)', () => {
  test('the default schedule is exactly 10 s, 60 s, 300 s: 4 attempts', () => {
    expect([...DEFAULT_RETRY_DELAYS_MS]).toEqual([10_000, 60_000, 300_000]);
    expect(maxAttempts(DEFAULT_RETRY_DELAYS_MS)).toBe(4);
  });

  test.each([
    [1, 10_000],
    [2, 60_000],
    [3, 300_000],
  ])('failed attempt %i is retried %i ms after it ended', (attempt, delay) => {
    expect(nextStep(attempt, { ok: false }, DEFAULT_RETRY_DELAYS_MS, ENDED)).toEqual({
      status: 'retrying',
      nextAttemptAt: ENDED + delay,
    });
  });

  test('a failed 4th attempt fails the delivery', () => {
    expect(nextStep(4, { ok: false }, DEFAULT_RETRY_DELAYS_MS, ENDED)).toEqual({ status: 'failed' });
  });

  test.each([1, 2, 3, 4])('a successful attempt %i succeeds', (attempt) => {
    expect(nextStep(attempt, { ok: true }, DEFAULT_RETRY_DELAYS_MS, ENDED)).toEqual({ status: 'succeeded' });
  });
});

describe('nextStep with other schedules', () => {
  test('millisecond delays for tests', () => {
    expect(nextStep(1, { ok: false }, [5, 10], 0)).toEqual({ status: 'retrying', nextAttemptAt: 5 });
    expect(nextStep(2, { ok: false }, [5, 10], 0)).toEqual({ status: 'retrying', nextAttemptAt: 10 });
    expect(nextStep(3, { ok: false }, [5, 10], 0)).toEqual({ status: 'failed' });
  });

  test('no retries at all', () => {
    expect(nextStep(1, { ok: false }, [], 0)).toEqual({ status: 'failed' });
    expect(maxAttempts([])).toBe(1);
  });
});

describe('isSuccessStatus', () => {
  test.each([
    [200, true], [201, true], [204, true], [299, true],
    [199, false], [300, false], [301, false], [304, false], [400, false], [410, false], [500, false], [503, false],
  ])('%i: %s', (status, ok) => {
    expect(isSuccessStatus(status)).toBe(ok);
  });
});

import { describe, expect, test } from 'vitest';
import { formatDuration, parseDuration, parseDurationList } from '../../src/core/duration.js';
import { UsageError } from '../../src/core/errors.js';

describe('parseDuration', () => {
  test.each([
    ['250ms', 250],
    ['0ms', 0],
    ['10s', 10_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    [' 60s ', 60_000],
  ])('%j is %i ms', (text, ms) => {
    expect(parseDuration(text, '--timeout')).toBe(ms);
  });

  test.each(['', '10', 'ms', '10 s', '-1s', '1d', '10S', 's10', '1e3ms', '1,5s', '10sec'])(
    '%j is refused with a usage error naming the flag',
    (text) => {
      let caught: unknown;
      try {
        parseDuration(text, '--timeout');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UsageError);
      expect((caught as UsageError).exitCode).toBe(2);
      expect((caught as Error).message).toMatch(/^--timeout: /);
      expect((caught as Error).message).toMatch(/ms, s, m or h/);
    },
  );
});

describe('parseDurationList', () => {
  test.each([
    ['10s,60s,300s', [10_000, 60_000, 300_000]],
    ['50ms, 100ms', [50, 100]],
    ['1h', [3_600_000]],
  ])('%j', (text, expected) => {
    expect(parseDurationList(text, '--retry-delays')).toEqual(expected);
  });

  test.each(['', '10s,', ',10s', '10s,,20s', '10s,x'])('%j is refused', (text) => {
    expect(() => parseDurationList(text, '--retry-delays')).toThrow(/^--retry-delays: /);
  });
});

describe('formatDuration', () => {
  test.each([
    [0, '0ms'],
    [250, '250ms'],
    [1_500, '1.5s'],
    [10_000, '10s'],
    [90_000, '1.5m'],
    [7_200_000, '2h'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

import { describe, expect, test } from 'vitest';
import { UsageError, ValidationError } from '../../src/core/errors.js';
import { withFlagNames } from '../../src/cli/flags.js';
import { applySet, parseBoolean, parseList, parseNonNegativeInt, parsePositiveInt, parseStatusCode } from '../../src/cli/parse.js';

function usageErrorOf(work: () => unknown): UsageError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

describe('parseBoolean', () => {
  test.each([
    ['true', true], ['TRUE', true], [' yes ', true], ['1', true], ['on', true],
    ['false', false], ['False', false], ['no', false], ['0', false], ['off', false],
  ])('%j is %s', (text, expected) => {
    expect(parseBoolean(text, '--active')).toBe(expected);
  });

  test.each(['', 'maybe', 'ture', '2', 'y'])('%j is refused, naming the flag', (text) => {
    const error = usageErrorOf(() => parseBoolean(text, '--active'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`--active: "${text}" is not a boolean; use true or false`);
  });
});

describe('parseList', () => {
  test.each([
    ['entity.created', ['entity.created']],
    ['entity.created,entity.updated', ['entity.created', 'entity.updated']],
    [' entity.created , variant.* ', ['entity.created', 'variant.*']],
    ['a,,b,', ['a', 'b']],
    ['', []],
    [' , ', []],
  ])('%j', (text, expected) => {
    expect(parseList(text)).toEqual(expected);
  });
});

describe('number parsers', () => {
  test.each([['1', 1], ['64', 64], [' 8 ', 8]])('parsePositiveInt %j', (text, n) => {
    expect(parsePositiveInt(text, '--concurrency')).toBe(n);
  });
  test.each(['0', '-1', '1.5', 'x', '', '101'])('parsePositiveInt %j is refused', (text) => {
    expect(usageErrorOf(() => parsePositiveInt(text, '--concurrency', 100)).message).toMatch(/^--concurrency: /);
  });
  test.each([['0', 0], ['3', 3]])('parseNonNegativeInt %j', (text, n) => {
    expect(parseNonNegativeInt(text, '--fail-first')).toBe(n);
  });
  test.each(['-1', 'x', '1.0'])('parseNonNegativeInt %j is refused', (text) => {
    expect(usageErrorOf(() => parseNonNegativeInt(text, '--fail-first')).message).toMatch(/^--fail-first: /);
  });
  test.each([['200', 200], ['503', 503], ['100', 100], ['599', 599]])('parseStatusCode %j', (text, n) => {
    expect(parseStatusCode(text, '--status')).toBe(n);
  });
  test.each(['99', '600', '20', '2000', 'ok', ''])('parseStatusCode %j is refused', (text) => {
    expect(usageErrorOf(() => parseStatusCode(text, '--status')).message).toMatch(/^--status: /);
  });
});

describe('applySet', () => {
  test.each<[string[], Record<string, unknown>]>([
    [['entityId=ent_42'], { entityId: 'ent_42' }],
    [['n=42'], { n: 42 }],
    [['flag=true'], { flag: true }],
    [['nothing=null'], { nothing: null }],
    [['obj={"a":[1,2]}'], { obj: { a: [1, 2] } }],
    [['quoted="42"'], { quoted: '42' }],
    [['empty='], { empty: '' }],
    [['expr=a=b'], { expr: 'a=b' }],
    [['attributes.price.amount=10', 'attributes.sku=X'], { attributes: { price: { amount: 10 }, sku: 'X' } }],
    [['a=1', 'a.b=2'], { a: { b: 2 } }],
    [['a=1', 'a=2'], { a: 2 }],
  ])('%j', (assignments, expected) => {
    const target: Record<string, unknown> = {};
    for (const assignment of assignments) applySet(target, assignment);
    expect(target).toEqual(expected);
  });

  test('keeps fields it does not touch', () => {
    expect(applySet({ keep: 1, nested: { keep: 2 } }, 'nested.add=3')).toEqual({ keep: 1, nested: { keep: 2, add: 3 } });
  });

  test.each(['novalue', '=x', 'a..b=1', '.a=1', 'a.=1', '__proto__.polluted=1', 'a.constructor=1', 'prototype=1'])(
    '%j is refused',
    (assignment) => {
      const error = usageErrorOf(() => applySet({}, assignment));
      expect(error.message).toMatch(/^--set: /);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});

describe('withFlagNames', () => {
  test('re-labels validation fields as flags, dropping the index', async () => {
    const failing = () => Promise.reject(new ValidationError([
      { field: 'events[2]', message: 'unknown event "x"' },
      { field: 'add-events[0]', message: 'unknown event "y"' },
      { field: 'url', message: 'bad' },
    ]));
    const error = await withFlagNames(failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.field)).toEqual(['--events', '--add-events', '--url']);
    expect((error as Error).message).toBe('--events: unknown event "x"\n--add-events: unknown event "y"\n--url: bad');
  });

  test('passes other errors and results through', async () => {
    const other = new UsageError('other');
    await expect(withFlagNames(() => Promise.reject(other))).rejects.toBe(other);
    await expect(withFlagNames(() => Promise.resolve(7))).resolves.toBe(7);
  });
});

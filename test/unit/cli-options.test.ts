/** Pure option parsers of the CLI commands, table-tested. */
import { describe, expect, test } from 'vitest';
import { parseDaemonFlags } from '../../src/cli/commands/daemon.js';
import { deliveriesQuery } from '../../src/cli/commands/deliveries.js';
import { toPatch } from '../../src/cli/commands/update.js';
import { wantsColor } from '../../src/cli/output.js';
import { decideStatus } from '../../src/listen/receiver.js';

describe('wantsColor', () => {
  test.each([
    ['a terminal', { json: false, colorFlag: true, env: {} }, true, true],
    ['not a terminal', { json: false, colorFlag: true, env: {} }, false, false],
    ['--json', { json: true, colorFlag: true, env: {} }, true, false],
    ['--no-color', { json: false, colorFlag: false, env: {} }, true, false],
    ['NO_COLOR=1', { json: false, colorFlag: true, env: { NO_COLOR: '1' } }, true, false],
    ['NO_COLOR empty', { json: false, colorFlag: true, env: { NO_COLOR: '' } }, true, true],
  ])('%s', (_name, opts, tty, expected) => {
    expect(wantsColor(opts, tty)).toBe(expected);
  });
});

describe('deliveriesQuery', () => {
  test.each([
    [{}, ''],
    [{ webhook: 'wh-a', event: 'entity.created' }, '?webhookId=wh-a&event=entity.created'],
    [{ status: 'failed', limit: '5' }, '?status=failed&limit=5'],
  ])('%o → %s', (options, expected) => {
    expect(deliveriesQuery(options)).toBe(expected);
  });

  test.each([
    [{ status: 'done' }, /--status: unknown status "done"/],
    [{ limit: '0' }, /--limit/],
    [{ limit: 'ten' }, /--limit/],
  ])('%o is refused', (options, message) => {
    expect(() => deliveriesQuery(options)).toThrow(message);
  });
});

describe('toPatch', () => {
  test.each([
    [{ name: 'N' }, { name: 'N' }],
    [{ events: 'a,b', addEvents: 'c', removeEvents: 'a' }, { events: ['a', 'b'], addEvents: ['c'], removeEvents: ['a'] }],
    [{ description: '' }, { description: null }],
    [{ removeSecret: true }, { secret: null }],
    [{ active: 'false' }, { active: false }],
  ])('%o → %o', (options, patch) => {
    expect(toPatch(options)).toEqual(patch);
  });

  test('--secret with --remove-secret is refused', () => {
    expect(() => toPatch({ secret: 'whsec_0123456789abcdef', removeSecret: true })).toThrow(/cannot be used together/);
  });
});

describe('parseDaemonFlags', () => {
  test('defaults to 10s, 60s, 300s', () => {
    expect(parseDaemonFlags({}).retryDelays).toEqual([10_000, 60_000, 300_000]);
  });

  test.each([
    [{ retryDelays: '50ms,1s' }, { retryDelays: [50, 1000] }],
    [{ timeout: '2s', concurrency: '8', endpointConcurrency: '2' }, { timeoutMs: 2000, concurrency: 8, endpointConcurrency: 2 }],
  ])('%o', (flags, expected) => {
    expect(parseDaemonFlags(flags)).toMatchObject(expected);
  });

  test.each([
    [{ retryDelays: '10s,,5m' }, /--retry-delays/],
    [{ timeout: 'soon' }, /--timeout/],
    [{ concurrency: '0' }, /--concurrency/],
  ])('%o is refused', (flags, message) => {
    expect(() => parseDaemonFlags(flags)).toThrow(message);
  });
});

describe('decideStatus (listen)', () => {
  test.each([
    [1, { failFirst: 0, status: 200 }, 200],
    [1, { failFirst: 2, status: 200 }, 500],
    [2, { failFirst: 2, status: 204 }, 500],
    [3, { failFirst: 2, status: 204 }, 204],
  ])('attempt %i with %o answers %i', (seen, options, expected) => {
    expect(decideStatus(seen, options)).toBe(expected);
  });
});

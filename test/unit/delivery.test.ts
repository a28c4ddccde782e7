import { describe, expect, test } from 'vitest';
import {
  applyRecord,
  applyRetention,
  emptyState,
  nextAttemptNumber,
  resumeInterrupted,
  snapshotRecords,
  JournalRecordError,
  type JournalRecord,
  type JournalState,
} from '../../src/core/delivery.js';
import { buildBody } from '../../src/core/payload.js';

const T0 = Date.parse('2026-12-03T12:00:00.000Z');

function event(eventId: string, tenant = 'default'): JournalRecord {
  return { t: 'event', eventId, event: 'entity.created', tenant, timestamp: new Date(T0).toISOString(), dataJson: '{"entityId":"ent_1","n":1e+21}' };
}

function delivery(id: string, eventId: string, due = T0): JournalRecord {
  return { t: 'delivery', id, eventId, webhookId: 'wh-a', createdAt: new Date(T0).toISOString(), due };
}

function failedAttempt(id: string, n: number, next: number | null): JournalRecord {
  return {
    t: 'attempt', id, attempt: n, startedAt: new Date(T0).toISOString(), durationMs: 5, statusCode: 500,
    status: next === null ? 'failed' : 'retrying', next, at: T0 + n,
  };
}

function replay(records: readonly JournalRecord[]): JournalState {
  const state = emptyState();
  for (const record of records) applyRecord(state, record);
  return state;
}

describe('applyRecord', () => {
  test('a delivery walks pending → delivering → retrying → succeeded', () => {
    const state = replay([event('e1'), delivery('d1', 'e1')]);
    const d = state.deliveries.get('d1')!;
    expect(d).toMatchObject({ status: 'pending', nextAttemptAt: T0, event: 'entity.created', tenant: 'default' });
    applyRecord(state, { t: 'start', id: 'd1', n: 1, at: T0 });
    expect(d.status).toBe('delivering');
    applyRecord(state, failedAttempt('d1', 1, T0 + 10_000));
    expect(d).toMatchObject({ status: 'retrying', nextAttemptAt: T0 + 10_000 });
    expect(nextAttemptNumber(d)).toBe(2);
    applyRecord(state, { t: 'attempt', id: 'd1', attempt: 2, startedAt: 'x', durationMs: 1, statusCode: 204, status: 'succeeded', next: null, at: T0 + 10_001 });
    expect(d).toMatchObject({ status: 'succeeded', nextAttemptAt: null, finishedAt: T0 + 10_001 });
    expect(d.attempts.map((a) => a.statusCode)).toEqual([500, 204]);
  });

  test('cancel records the reason; redeliver starts a new chain numbered from 1', () => {
    const state = replay([event('e1'), delivery('d1', 'e1'), failedAttempt('d1', 1, T0 + 10)]);
    applyRecord(state, { t: 'cancel', id: 'd1', reason: 'webhook wh-a was deleted', at: T0 + 11 });
    const d = state.deliveries.get('d1')!;
    expect(d).toMatchObject({ status: 'cancelled', cancelReason: 'webhook wh-a was deleted', nextAttemptAt: null });
    applyRecord(state, { t: 'redeliver', id: 'd1', at: T0 + 20 });
    expect(d).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 20 });
    expect(d.cancelReason).toBeUndefined();
    expect(nextAttemptNumber(d)).toBe(1);
    expect(d.attempts).toHaveLength(1); // history is kept
  });

  test.each([
    ['a delivery of an unknown event', delivery('d1', 'nope')],
    ['an attempt of an unknown delivery', failedAttempt('ghost', 1, null)],
    ['a cancel of an unknown delivery', { t: 'cancel', id: 'ghost', reason: 'x', at: 0 } as JournalRecord],
    ['a record of an unknown type', { t: 'mystery' } as unknown as JournalRecord],
  ])('%s is refused', (_name, record) => {
    expect(() => replay([record])).toThrow(JournalRecordError);
  });

  test('the body is rebuilt byte-for-byte from the stored data text', () => {
    const state = replay([event('e1'), delivery('d1', 'e1')]);
    const body = buildBody(state.deliveries.get('d1')!);
    expect(body).toContain('"data":{"entityId":"ent_1","n":1e+21}');
    expect(Object.keys(JSON.parse(body) as object)).toEqual(['deliveryId', 'eventId', 'event', 'webhookId', 'tenant', 'timestamp', 'data']);
  });
});

describe('resumeInterrupted', () => {
  test.each([
    ['a first attempt', [], 'pending'],
    ['a retry', [failedAttempt('d1', 1, T0 + 5)], 'retrying'],
  ] as const)('an interrupted %s is due again at once', (_name, before, expected) => {
    const state = replay([event('e1'), delivery('d1', 'e1'), ...before]);
    applyRecord(state, { t: 'start', id: 'd1', n: before.length + 1, at: T0 + 6 });
    const d = state.deliveries.get('d1')!;
    resumeInterrupted(d, T0 + 100);
    expect(d).toMatchObject({ status: expected, nextAttemptAt: T0 + 100 });
    expect(nextAttemptNumber(d)).toBe(before.length + 1);
  });
});

describe('retention and snapshots', () => {
  function finished(count: number): JournalRecord[] {
    const records: JournalRecord[] = [];
    for (let i = 0; i < count; i++) {
      records.push(event(`e${i}`), delivery(`d${i}`, `e${i}`));
      records.push({ t: 'attempt', id: `d${i}`, attempt: 1, startedAt: 'x', durationMs: 1, statusCode: 200, status: 'succeeded', next: null, at: T0 + i });
    }
    return records;
  }

  test('keeps every unfinished delivery and only the newest finished ones', () => {
    const state = replay([...finished(10), event('p'), delivery('pending', 'p', T0 + 3_600_000), event('r'), delivery('retrying', 'r'), failedAttempt('retrying', 1, T0 + 50)]);
    applyRetention(state, { maxFinished: 3, maxAgeMs: Number.MAX_SAFE_INTEGER }, T0 + 100);
    expect([...state.deliveries.keys()].sort()).toEqual(['d7', 'd8', 'd9', 'pending', 'retrying']);
    expect([...state.events.keys()].sort()).toEqual(['e7', 'e8', 'e9', 'p', 'r']);
  });

  test('drops finished deliveries older than the age limit, never pending ones', () => {
    const state = replay([...finished(3), event('p'), delivery('pending', 'p', T0)]);
    applyRetention(state, { maxFinished: 100, maxAgeMs: 1000 }, T0 + 1_000_000);
    expect([...state.deliveries.keys()]).toEqual(['pending']);
  });

  test('expires idempotency keys after 24 h', () => {
    const state = replay([
      { t: 'idem', tenant: 'default', key: 'old', at: T0, answer: { eventId: 'e', deliveries: [] } },
      { t: 'idem', tenant: 'default', key: 'new', at: T0 + 23 * 3_600_000, answer: { eventId: 'e', deliveries: [] } },
    ]);
    applyRetention(state, { maxFinished: 10, maxAgeMs: 10 }, T0 + 24 * 3_600_000);
    expect([...state.idempotency.values()].map((e) => e.key)).toEqual(['new']);
  });

  test('a snapshot replays into the same state', () => {
    const state = replay([...finished(2), event('r'), delivery('retrying', 'r'), failedAttempt('retrying', 1, T0 + 50), { t: 'idem', tenant: 'default', key: 'k', at: T0, answer: { eventId: 'r', deliveries: [{ deliveryId: 'retrying', webhookId: 'wh-a' }] } }]);
    const again = replay([...snapshotRecords(state)]);
    expect(again.deliveries).toEqual(state.deliveries);
    expect(again.events).toEqual(state.events);
    expect(again.idempotency).toEqual(state.idempotency);
  });
});

/**
 * The delivery model and the journal's records (SPEC §4). Replaying the records in order with
 * `applyRecord` rebuilds the exact state the daemon had: this reducer is the only place that
 * knows what a record means, used both live and on restart.
 */

import type { DeliveryEnvelope } from './payload.js';

export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'retrying', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const FINISHED: ReadonlySet<DeliveryStatus> = new Set(['succeeded', 'failed', 'cancelled']);

export const RESPONSE_BODY_LIMIT = 4096;

export interface Attempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode?: number;
  error?: string;
  /** The first 4 KiB of the response body. */
  responseBody?: string;
}

export interface StoredEvent {
  eventId: string;
  event: string;
  tenant: string;
  timestamp: string;
  /** `data` as serialized once at emission, so every attempt sends the same bytes. */
  dataJson: string;
}

/** One delivery: its envelope (what the body is built from) and where it stands. */
export interface Delivery extends DeliveryEnvelope {
  createdAt: string;
  status: DeliveryStatus;
  attempts: Attempt[];
  /** Index in `attempts` where the current chain began (a redeliver starts a new chain). */
  chainStart: number;
  /** Epoch ms when the next attempt is due; null when none is. */
  nextAttemptAt: number | null;
  cancelReason?: string;
  finishedAt?: number;
}

export interface IdempotencyEntry {
  tenant: string;
  key: string;
  at: number;
  answer: EmitAnswer;
}

export interface EmitAnswer {
  eventId: string;
  deliveries: Array<{ deliveryId: string; webhookId: string }>;
}

export type JournalRecord =
  | ({ t: 'event' } & StoredEvent)
  | { t: 'delivery'; id: string; eventId: string; webhookId: string; createdAt: string; due: number }
  | { t: 'start'; id: string; n: number; at: number }
  | ({ t: 'attempt'; id: string; status: 'succeeded' | 'retrying' | 'failed'; next: number | null; at: number } & Attempt)
  | { t: 'cancel'; id: string; reason: string; at: number }
  | { t: 'redeliver'; id: string; at: number }
  | ({ t: 'idem' } & IdempotencyEntry)
  | { t: 'snapshot'; d: Omit<Delivery, 'dataJson' | 'event' | 'tenant' | 'timestamp'> };

export interface JournalState {
  events: Map<string, StoredEvent>;
  deliveries: Map<string, Delivery>;
  idempotency: Map<string, IdempotencyEntry>;
}

export function emptyState(): JournalState {
  return { events: new Map(), deliveries: new Map(), idempotency: new Map() };
}

export function idempotencyKey(tenant: string, key: string): string {
  return `${tenant}\u0000${key}`;
}

/** The attempt number the next attempt of this delivery carries (1..4 within a chain). */
export function nextAttemptNumber(delivery: Delivery): number {
  return delivery.attempts.length - delivery.chainStart + 1;
}

export class JournalRecordError extends Error {}

/** Applies one record. Throws JournalRecordError when it references what does not exist. */
export function applyRecord(state: JournalState, record: JournalRecord): Delivery | undefined {
  switch (record.t) {
    case 'event': {
      const { t: _t, ...event } = record;
      state.events.set(event.eventId, event);
      return undefined;
    }
    case 'delivery': {
      const event = state.events.get(record.eventId);
      if (!event) throw new JournalRecordError(`delivery ${record.id} references unknown event ${record.eventId}`);
      const delivery: Delivery = {
        deliveryId: record.id,
        eventId: event.eventId,
        event: event.event,
        webhookId: record.webhookId,
        tenant: event.tenant,
        timestamp: event.timestamp,
        dataJson: event.dataJson,
        createdAt: record.createdAt,
        status: 'pending',
        attempts: [],
        chainStart: 0,
        nextAttemptAt: record.due,
      };
      state.deliveries.set(delivery.deliveryId, delivery);
      return delivery;
    }
    case 'snapshot': {
      const event = state.events.get(record.d.eventId);
      if (!event) throw new JournalRecordError(`delivery ${record.d.deliveryId} references unknown event ${record.d.eventId}`);
      const delivery: Delivery = {
        ...record.d,
        event: event.event,
        tenant: event.tenant,
        timestamp: event.timestamp,
        dataJson: event.dataJson,
      };
      state.deliveries.set(delivery.deliveryId, delivery);
      return delivery;
    }
    case 'start': {
      const delivery = mustFind(state, record.id);
      delivery.status = 'delivering';
      delivery.nextAttemptAt = null;
      return delivery;
    }
    case 'attempt': {
      const delivery = mustFind(state, record.id);
      const attempt: Attempt = { attempt: record.attempt, startedAt: record.startedAt, durationMs: record.durationMs };
      if (record.statusCode !== undefined) attempt.statusCode = record.statusCode;
      if (record.error !== undefined) attempt.error = record.error;
      if (record.responseBody !== undefined) attempt.responseBody = record.responseBody;
      delivery.attempts.push(attempt);
      delivery.status = record.status;
      delivery.nextAttemptAt = record.next;
      if (record.status !== 'retrying') delivery.finishedAt = record.at;
      return delivery;
    }
    case 'cancel': {
      const delivery = mustFind(state, record.id);
      delivery.status = 'cancelled';
      delivery.cancelReason = record.reason;
      delivery.nextAttemptAt = null;
      delivery.finishedAt = record.at;
      return delivery;
    }
    case 'redeliver': {
      const delivery = mustFind(state, record.id);
      delivery.status = 'pending';
      delivery.chainStart = delivery.attempts.length;
      delivery.nextAttemptAt = record.at;
      delete delivery.cancelReason;
      delete delivery.finishedAt;
      return delivery;
    }
    case 'idem': {
      const { t: _t, ...entry } = record;
      state.idempotency.set(idempotencyKey(entry.tenant, entry.key), entry);
      return undefined;
    }
  }
  // Only reachable with a line written by something else: report it rather than skip it.
  throw new JournalRecordError(`unknown record type ${JSON.stringify((record as { t?: unknown }).t)}`);
}

function mustFind(state: JournalState, id: string): Delivery {
  const delivery = state.deliveries.get(id);
  if (!delivery) throw new JournalRecordError(`record for unknown delivery ${id}`);
  return delivery;
}

/**
 * After a restart a delivery caught `delivering` was interrupted mid-attempt: it is due again
 * at once with the same attempt number (at-least-once; receivers dedup on deliveryId).
 */
export function resumeInterrupted(delivery: Delivery, now: number): void {
  if (delivery.status === 'delivering') {
    delivery.status = delivery.attempts.length > delivery.chainStart ? 'retrying' : 'pending';
    delivery.nextAttemptAt = now;
  }
}

export interface Retention {
  maxFinished: number;
  maxAgeMs: number;
}

export const DEFAULT_RETENTION: Retention = { maxFinished: 10_000, maxAgeMs: 7 * 24 * 3_600_000 };
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

/**
 * Applies the retention in place: every unfinished delivery stays; of the finished ones only the
 * newest `maxFinished` not older than `maxAgeMs`; events nobody references and idempotency keys
 * older than 24 h go.
 */
export function applyRetention(state: JournalState, retention: Retention, now: number): void {
  const finished: Delivery[] = [];
  for (const delivery of state.deliveries.values()) {
    if (FINISHED.has(delivery.status)) finished.push(delivery);
  }
  finished.sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
  finished.forEach((delivery, index) => {
    if (index >= retention.maxFinished || now - (delivery.finishedAt ?? now) > retention.maxAgeMs) {
      state.deliveries.delete(delivery.deliveryId);
    }
  });
  const referenced = new Set<string>();
  for (const delivery of state.deliveries.values()) referenced.add(delivery.eventId);
  for (const eventId of state.events.keys()) {
    if (!referenced.has(eventId)) state.events.delete(eventId);
  }
  for (const [key, entry] of state.idempotency) {
    if (now - entry.at >= IDEMPOTENCY_TTL_MS) state.idempotency.delete(key);
  }
}

/** The record that restores one delivery as it is now (its event is written separately). */
export function snapshotRecord(delivery: Delivery): JournalRecord {
  const { dataJson: _d, event: _e, tenant: _t, timestamp: _ts, ...rest } = delivery;
  return { t: 'snapshot', d: rest };
}

/** The delivery a record changes, if any. */
export function recordDeliveryId(record: JournalRecord): string | undefined {
  switch (record.t) {
    case 'event':
    case 'idem':
      return undefined;
    case 'snapshot':
      return record.d.deliveryId;
    default:
      return record.id;
  }
}

/** The records that rebuild `state` exactly: what a compacted journal file holds. */
export function* snapshotRecords(state: JournalState): Generator<JournalRecord> {
  const written = new Set<string>();
  for (const delivery of state.deliveries.values()) {
    if (!written.has(delivery.eventId)) {
      written.add(delivery.eventId);
      const event = state.events.get(delivery.eventId);
      if (event) yield { t: 'event', ...event };
    }
    yield snapshotRecord(delivery);
  }
  for (const entry of state.idempotency.values()) yield { t: 'idem', ...entry };
}

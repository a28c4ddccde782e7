import {
  IDEMPOTENCY_TTL_MS,
  idempotencyKey,
  type EmitAnswer,
  type JournalRecord,
} from '../core/delivery.js';
import { ValidationError, quote } from '../core/errors.js';
import { EVENT_NAMES, isEventName, matchesEvent } from '../core/events.js';
import { randomId } from '../core/ids.js';
import { validateTenant, type Webhook } from '../core/webhook.js';
import type { Journal } from '../journal/journal.js';

export interface EmitRequest {
  event: string;
  data: Record<string, unknown>;
  tenant: string;
  idempotencyKey: string | undefined;
}

const MAX_IDEMPOTENCY_KEY = 255;
/** Deeper `data` would overflow the stack when serialized (a 500); real payloads are shallow. */
export const MAX_DATA_DEPTH = 100;

/** True when `value` nests objects/arrays deeper than `max` levels (walked without recursion). */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth > max) return true;
    for (const child of Object.values(item.value)) stack.push({ value: child, depth: item.depth + 1 });
  }
  return false;
}

/** Validates a `POST /events` body; `headerTenant` applies when the body names none. */
export function parseEmitRequest(body: unknown, headerTenant: string): EmitRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ field: 'body', message: 'must be a JSON object like {"event": "entity.created", "data": {…}}' }]);
  }
  const input = body as Record<string, unknown>;
  const issues: Array<{ field: string; message: string }> = [];
  for (const key of Object.keys(input)) {
    if (!['event', 'data', 'tenant', 'idempotencyKey'].includes(key)) {
      issues.push({ field: key, message: 'unknown field; allowed: event, data, tenant, idempotencyKey' });
    }
  }
  const { event, data, tenant, idempotencyKey: key } = input;
  if (typeof event !== 'string') {
    issues.push({ field: 'event', message: event === undefined ? `is required; valid: ${EVENT_NAMES.join(', ')}` : 'must be a string' });
  } else if (!isEventName(event)) {
    issues.push({ field: 'event', message: `unknown event ${quote(event)}; valid: ${EVENT_NAMES.join(', ')}` });
  }
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
    issues.push({ field: 'data', message: 'must be a JSON object' });
  } else if (data !== undefined && nestedDeeperThan(data, MAX_DATA_DEPTH)) {
    issues.push({ field: 'data', message: `must not nest objects or arrays more than ${MAX_DATA_DEPTH} levels deep` });
  }
  if (tenant !== undefined && typeof tenant !== 'string') issues.push({ field: 'tenant', message: 'must be a string' });
  if (key !== undefined && (typeof key !== 'string' || key === '' || key.length > MAX_IDEMPOTENCY_KEY)) {
    issues.push({ field: 'idempotencyKey', message: `must be a non-empty string of at most ${MAX_IDEMPOTENCY_KEY} characters` });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return {
    event: event as string,
    data: (data as Record<string, unknown> | undefined) ?? {},
    tenant: tenant === undefined ? headerTenant : validateTenant(tenant as string),
    idempotencyKey: key as string | undefined,
  };
}

export interface EmitterOptions {
  journal: Journal;
  webhooks: () => Promise<readonly Webhook[]>;
  now: () => number;
  /** Called with the new delivery ids once they are durable. */
  onDurable: (deliveryIds: readonly string[]) => void;
}

/**
 * Fans an event out to every active, matching webhook of its tenant and acknowledges only once
 * the deliveries are fsynced. An idempotency key seen in the last 24 h returns the first answer.
 */
export class Emitter {
  private readonly inFlight = new Map<string, Promise<EmitAnswer>>();

  constructor(private readonly options: EmitterOptions) {}

  emit(request: EmitRequest): Promise<EmitAnswer> {
    if (request.idempotencyKey === undefined) return this.fanOut(request);
    const key = idempotencyKey(request.tenant, request.idempotencyKey);
    const seen = this.options.journal.state.idempotency.get(key);
    if (seen && this.options.now() - seen.at < IDEMPOTENCY_TTL_MS) return Promise.resolve(seen.answer);
    // Two concurrent requests with one key share the first one's answer.
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const answer = this.fanOut(request).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, answer);
    return answer;
  }

  private async fanOut(request: EmitRequest): Promise<EmitAnswer> {
    const now = this.options.now();
    const webhooks = (await this.options.webhooks()).filter(
      (w) => w.tenant === request.tenant && w.active && matchesEvent(w.events, request.event),
    );
    const eventId = randomId('evt_');
    const createdAt = new Date(now).toISOString();
    const answer: EmitAnswer = { eventId, deliveries: [] };
    const records: JournalRecord[] = [];
    if (webhooks.length > 0) {
      records.push({
        t: 'event',
        eventId,
        event: request.event,
        tenant: request.tenant,
        timestamp: createdAt,
        dataJson: JSON.stringify(request.data),
      });
    }
    for (const webhook of webhooks) {
      const deliveryId = randomId('dlv_');
      answer.deliveries.push({ deliveryId, webhookId: webhook.id });
      records.push({ t: 'delivery', id: deliveryId, eventId, webhookId: webhook.id, createdAt, due: now });
    }
    if (request.idempotencyKey !== undefined) {
      records.push({ t: 'idem', tenant: request.tenant, key: request.idempotencyKey, at: now, answer });
    }
    if (records.length > 0) await this.options.journal.append(records);
    this.options.onDurable(answer.deliveries.map((d) => d.deliveryId));
    return answer;
  }
}

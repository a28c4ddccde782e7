import {
  nextAttemptNumber,
  resumeInterrupted,
  type Attempt,
  type Delivery,
} from '../core/delivery.js';
import { buildBody, buildHeaders } from '../core/payload.js';
import { isSuccessStatus, maxAttempts, nextStep } from '../core/retry.js';
import type { Webhook } from '../core/webhook.js';
import type { Journal } from '../journal/journal.js';
import { DueHeap, Fifo } from './queues.js';
import type { Transport } from './transport.js';

export interface AttemptReport {
  delivery: Delivery;
  attempt: Attempt;
  maxAttempts: number;
  url: string;
  outcome: 'succeeded' | 'retrying' | 'failed';
  nextAttemptAt: number | null;
}

export interface DispatcherOptions {
  journal: Journal;
  /** All webhooks, read fresh (the store caches by file identity), so CLI edits apply at once. */
  webhooks: () => Promise<readonly Webhook[]>;
  transport: Transport;
  now: () => number;
  retryDelays: readonly number[];
  timeoutMs: number;
  concurrency: number;
  endpointConcurrency: number;
  version: string;
  onAttempt?: (report: AttemptReport) => void;
  onCancel?: (delivery: Delivery, reason: string) => void;
  onError?: (error: unknown) => void;
}

interface Endpoint {
  inflight: number;
  waiting: Fifo<{ id: string; webhook: Webhook }>;
}

/** setTimeout cannot wait longer than this. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Decides when each delivery is attempted and runs the attempts: a heap of due times, then
 * per-endpoint queues (keyed by the URL's origin) drained round-robin under a per-endpoint and a
 * global limit, so a slow or hung receiver only ever holds its own slots. Every state change goes
 * through the journal; the dispatcher never prints, it reports through callbacks.
 */
export class Dispatcher {
  private readonly heap = new DueHeap();
  private readonly generations = new Map<string, number>();
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly waitingEndpoints = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Number.POSITIVE_INFINITY;
  private inflight = 0;
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {}

  /** Schedules every unfinished delivery found in the journal at its due time. */
  start(): void {
    const now = this.options.now();
    for (const delivery of this.options.journal.state.deliveries.values()) {
      resumeInterrupted(delivery, now);
      if ((delivery.status === 'pending' || delivery.status === 'retrying') && delivery.nextAttemptAt !== null) {
        this.schedule(delivery.deliveryId, delivery.nextAttemptAt);
      }
    }
  }

  schedule(id: string, due: number): void {
    if (this.stopped) return;
    const generation = (this.generations.get(id) ?? 0) + 1;
    this.generations.set(id, generation);
    this.heap.push({ due, id, generation });
    this.arm();
  }

  queueCounts(): { pending: number; retrying: number; delivering: number } {
    const counts = { pending: 0, retrying: 0, delivering: 0 };
    for (const delivery of this.options.journal.state.deliveries.values()) {
      if (delivery.status === 'pending' || delivery.status === 'retrying' || delivery.status === 'delivering') {
        counts[delivery.status]++;
      }
    }
    return counts;
  }

  /** Stops scheduling and waits up to `graceMs` for attempts in flight; the rest stay on disk. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running.size === 0) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, graceMs);
      }),
    ]);
    if (timeout) clearTimeout(timeout);
  }

  private arm(): void {
    const next = this.heap.peek();
    if (next === undefined || this.stopped) return;
    if (next.due >= this.timerDue && this.timer) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = next.due;
    const wait = Math.min(Math.max(0, next.due - this.options.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.onTimer(), wait);
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerDue = Number.POSITIVE_INFINITY;
    const now = this.options.now();
    const due: string[] = [];
    for (let entry = this.heap.peek(); entry !== undefined && entry.due <= now; entry = this.heap.peek()) {
      this.heap.pop();
      if (this.generations.get(entry.id) === entry.generation) due.push(entry.id);
    }
    this.arm();
    if (due.length > 0) {
      this.route(due).catch((error: unknown) => this.options.onError?.(error));
    }
  }

  /** Looks each due delivery's webhook up now: deleted or inactive means cancelled. */
  private async route(ids: readonly string[]): Promise<void> {
    const webhooks = await this.options.webhooks();
    const byKey = new Map<string, Webhook>();
    for (const webhook of webhooks) byKey.set(`${webhook.tenant}\u0000${webhook.id}`, webhook);
    for (const id of ids) {
      const delivery = this.options.journal.delivery(id);
      if (!delivery || (delivery.status !== 'pending' && delivery.status !== 'retrying')) continue;
      const webhook = byKey.get(`${delivery.tenant}\u0000${delivery.webhookId}`);
      if (!webhook || !webhook.active) {
        const reason = webhook ? `webhook ${delivery.webhookId} is inactive` : `webhook ${delivery.webhookId} was deleted`;
        this.options.journal.appendLater([{ t: 'cancel', id, reason, at: this.options.now() }]);
        this.options.onCancel?.(delivery, reason);
        continue;
      }
      const key = endpointKey(webhook.url);
      let endpoint = this.endpoints.get(key);
      if (!endpoint) {
        endpoint = { inflight: 0, waiting: new Fifo() };
        this.endpoints.set(key, endpoint);
      }
      endpoint.waiting.push({ id, webhook });
      this.waitingEndpoints.add(key);
    }
    this.drain();
  }

  /** Starts attempts round-robin across endpoints while global and per-endpoint slots allow. */
  private drain(): void {
    let progressed = true;
    while (progressed && this.inflight < this.options.concurrency && !this.stopped) {
      progressed = false;
      for (const key of this.waitingEndpoints) {
        if (this.inflight >= this.options.concurrency) break;
        const endpoint = this.endpoints.get(key)!;
        if (endpoint.inflight < this.options.endpointConcurrency) {
          const item = endpoint.waiting.shift();
          if (item) {
            this.launch(endpoint, item.id, item.webhook);
            progressed = true;
          }
        }
        if (endpoint.waiting.length === 0) this.waitingEndpoints.delete(key);
      }
    }
  }

  private launch(endpoint: Endpoint, id: string, webhook: Webhook): void {
    this.inflight++;
    endpoint.inflight++;
    const run = this.attempt(id, webhook)
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.inflight--;
        endpoint.inflight--;
        this.running.delete(run);
        this.drain();
      });
    this.running.add(run);
  }

  private async attempt(id: string, webhook: Webhook): Promise<void> {
    const { journal, now, retryDelays, timeoutMs, version } = this.options;
    const delivery = journal.delivery(id);
    if (!delivery || (delivery.status !== 'pending' && delivery.status !== 'retrying')) return;
    const number = nextAttemptNumber(delivery);
    const startedAt = now();
    journal.appendLater([{ t: 'start', id, n: number, at: startedAt }]);

    const body = buildBody(delivery);
    const headers = buildHeaders(delivery, number, body, webhook.secret, version);
    const result = await this.options.transport({ url: webhook.url, headers, body, timeoutMs });
    // Cut off by a stop after its grace period: the attempt stays `delivering` on disk and is
    // made again after the restart, rather than being recorded as a failure it was not.
    if (this.stopped && 'error' in result) return;
    const endedAt = now();

    const ok = 'statusCode' in result && isSuccessStatus(result.statusCode);
    const step = nextStep(number, { ok }, retryDelays, endedAt);
    const nextAttemptAt = step.status === 'retrying' ? step.nextAttemptAt : null;
    const attempt: Attempt = { attempt: number, startedAt: new Date(startedAt).toISOString(), durationMs: endedAt - startedAt };
    if ('statusCode' in result) {
      attempt.statusCode = result.statusCode;
      if (result.responseBody !== '') attempt.responseBody = result.responseBody;
    } else {
      attempt.error = result.error;
    }
    journal.appendLater([{ t: 'attempt', id, ...attempt, status: step.status, next: nextAttemptAt, at: endedAt }]);
    if (nextAttemptAt !== null) this.schedule(id, nextAttemptAt);
    this.options.onAttempt?.({
      delivery,
      attempt,
      maxAttempts: maxAttempts(retryDelays),
      url: webhook.url,
      outcome: step.status,
      nextAttemptAt,
    });
  }
}

function endpointKey(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

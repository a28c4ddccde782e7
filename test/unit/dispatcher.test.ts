import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { JournalRecord } from '../../src/core/delivery.js';
import type { Webhook } from '../../src/core/webhook.js';
import { Dispatcher, type AttemptReport } from '../../src/daemon/dispatcher.js';
import type { AttemptRequest, AttemptResult } from '../../src/daemon/transport.js';
import { Journal } from '../../src/journal/journal.js';

let dir: string;
let journal: Journal;
let dispatcher: Dispatcher | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sigma-dispatcher-'));
  journal = await Journal.open({ path: join(dir, 'deliveries.jsonl') });
});

afterEach(async () => {
  await dispatcher?.stop(0);
  dispatcher = undefined;
  await journal.close();
  await rm(dir, { recursive: true, force: true });
});

function webhook(id: string, url: string, extra: Partial<Webhook> = {}): Webhook {
  return {
    id, tenant: 'default', name: id, description: null, url, events: ['*'], secret: 'whsec_0123456789abcdef',
    active: true, createdAt: '', updatedAt: '', ...extra,
  };
}

/** A transport whose answers the test scripts per URL; every call is recorded. */
function scriptedTransport(answer: (request: AttemptRequest) => Promise<AttemptResult>) {
  const calls: AttemptRequest[] = [];
  return {
    calls,
    transport: (request: AttemptRequest) => {
      calls.push(request);
      return answer(request);
    },
  };
}

function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

async function enqueue(id: string, webhookId: string): Promise<void> {
  const records: JournalRecord[] = [
    { t: 'event', eventId: `e-${id}`, event: 'entity.created', tenant: 'default', timestamp: new Date().toISOString(), dataJson: '{}' },
    { t: 'delivery', id, eventId: `e-${id}`, webhookId, createdAt: new Date().toISOString(), due: Date.now() },
  ];
  await journal.append(records);
  dispatcher!.schedule(id, Date.now());
}

function start(webhooks: Webhook[], transport: (r: AttemptRequest) => Promise<AttemptResult>, options: Partial<ConstructorParameters<typeof Dispatcher>[0]> = {}) {
  const reports: AttemptReport[] = [];
  dispatcher = new Dispatcher({
    journal,
    webhooks: async () => webhooks,
    transport,
    now: Date.now,
    retryDelays: [10, 20, 30],
    timeoutMs: 1000,
    concurrency: 4,
    endpointConcurrency: 1,
    version: 'test',
    onAttempt: (report) => reports.push(report),
    ...options,
  });
  dispatcher.start();
  return reports;
}

describe('Dispatcher', () => {
  test('retries on the schedule, then fails after four attempts', async () => {
    const { calls, transport } = scriptedTransport(async () => ({ statusCode: 500, responseBody: 'no' }));
    const reports = start([webhook('wh-a', 'http://a.test/h')], transport);
    await enqueue('d1', 'wh-a');
    await waitUntil(() => journal.delivery('d1')?.status === 'failed');
    expect(calls.map((c) => c.headers['x-sigma-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(reports.map((r) => r.outcome)).toEqual(['retrying', 'retrying', 'retrying', 'failed']);
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
  });

  test('a hung endpoint holds only its own slots', async () => {
    const hung: Array<() => void> = [];
    const { transport } = scriptedTransport((request) =>
      request.url.startsWith('http://slow.test')
        ? new Promise((resolve) => hung.push(() => resolve({ error: 'timeout' })))
        : Promise.resolve({ statusCode: 204, responseBody: '' }),
    );
    start([webhook('wh-slow', 'http://slow.test/h'), webhook('wh-fast', 'http://fast.test/h')], transport, { concurrency: 2, endpointConcurrency: 1 });
    for (let i = 0; i < 5; i++) await enqueue(`slow${i}`, 'wh-slow');
    for (let i = 0; i < 5; i++) await enqueue(`fast${i}`, 'wh-fast');
    await waitUntil(() => [0, 1, 2, 3, 4].every((i) => journal.delivery(`fast${i}`)?.status === 'succeeded'));
    expect(hung).toHaveLength(1); // the slow endpoint never got a second slot
    for (const release of hung) release();
  });

  test('a due delivery whose webhook was disabled or deleted is cancelled with the reason', async () => {
    const webhooks = [webhook('wh-off', 'http://a.test/h', { active: false })];
    const { calls, transport } = scriptedTransport(async () => ({ statusCode: 200, responseBody: '' }));
    start(webhooks, transport);
    await enqueue('d-off', 'wh-off');
    await enqueue('d-gone', 'wh-gone');
    await waitUntil(() => journal.delivery('d-off')?.status === 'cancelled' && journal.delivery('d-gone')?.status === 'cancelled');
    expect(journal.delivery('d-off')?.cancelReason).toBe('webhook wh-off is inactive');
    expect(journal.delivery('d-gone')?.cancelReason).toBe('webhook wh-gone was deleted');
    expect(calls).toHaveLength(0);
  });

  test('reads the secret at send time, so a rotated secret signs the retry', async () => {
    const webhooks = [webhook('wh-a', 'http://a.test/h')];
    let first = true;
    const { calls, transport } = scriptedTransport(async () => {
      if (first) {
        first = false;
        webhooks[0] = { ...webhooks[0]!, secret: 'whsec_rotated_0123456789' };
        return { statusCode: 503, responseBody: '' };
      }
      return { statusCode: 200, responseBody: '' };
    });
    start(webhooks, transport);
    await enqueue('d1', 'wh-a');
    await waitUntil(() => journal.delivery('d1')?.status === 'succeeded');
    expect(calls[0]!.headers['x-sigma-signature']).not.toBe(calls[1]!.headers['x-sigma-signature']);
  });
});

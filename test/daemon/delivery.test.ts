/**
 * SPEC §4 delivery, end to end: a real foreground daemon on a temp home, real receivers on port 0.
 * Headers and body shape, signatures checked with an independent HMAC, the retry schedule,
 * `failed` and `cancelled`, secret rotation, tenant and activity filtering, wildcards, redirects
 * and endpoint isolation.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import {
  FAST_RETRY_DELAYS_MS,
  createWebhook,
  emitEvent,
  getDelivery,
  readJournal,
  waitForDelivery,
  type DaemonProcess,
} from '../helpers/daemon.js';
import type { Receiver } from '../helpers/receiver.js';
import { useDaemonTest } from './fixture.js';

const VERSION = (JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string }).version;
const SECRET = 'whsec_test_secret_0123456789';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** An HMAC computed here, independently of src/core/signature.ts. */
const hmac = (secret: string, body: Buffer) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const t = useDaemonTest();
const { receiver, daemon } = t;
const cli = (...args: string[]) => t.cli(args);

describe('one delivery', () => {
  test('is a POST with every header of SPEC §4 and a body of exactly the seven keys', async () => {
    const rx = await receiver();
    const d = await daemon();
    await createWebhook(d.socket, { id: 'wh-lifecycle', url: rx.urlFor('/hooks/lifecycle'), events: ['entity.transition'] });
    const data = { entityId: 'ent_42', entityType: 'product', from: 'Draft', to: 'Review', nested: { list: [1, 'two', null] } };
    const before = Date.now();
    const answer = await emitEvent(d.socket, 'entity.transition', data);
    const after = Date.now();
    expect(answer.deliveries).toHaveLength(1);
    const { deliveryId, webhookId } = answer.deliveries[0]!;
    expect(webhookId).toBe('wh-lifecycle');

    const [req] = await rx.waitForDelivery(deliveryId);
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/hooks/lifecycle');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['user-agent']).toBe(`sigma-hooks/${VERSION}`);
    expect(req!.headers['x-sigma-event']).toBe('entity.transition');
    expect(req!.headers['x-sigma-delivery']).toBe(deliveryId);
    expect(req!.headers['x-sigma-webhook']).toBe('wh-lifecycle');
    expect(req!.headers['x-sigma-attempt']).toBe('1');
    expect(req!.headers['x-sigma-signature']).toBeUndefined();
    expect(Number(req!.headers['content-length'])).toBe(req!.body.length);

    const body = req!.json();
    expect(Object.keys(body).sort()).toEqual(['data', 'deliveryId', 'event', 'eventId', 'tenant', 'timestamp', 'webhookId']);
    expect(body).toEqual({
      deliveryId,
      eventId: answer.eventId,
      event: 'entity.transition',
      webhookId: 'wh-lifecycle',
      tenant: 'default',
      timestamp: expect.stringMatching(ISO),
      data,
    });
    const timestamp = Date.parse(body.timestamp as string);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);

    await waitForDelivery(d.socket, deliveryId, 'succeeded');
  });

  test('one event fans out to each matching webhook with its own deliveryId and a shared eventId', async () => {
    const rx = await receiver();
    const d = await daemon();
    await createWebhook(d.socket, { id: 'wh-a', url: rx.urlFor('/a') });
    await createWebhook(d.socket, { id: 'wh-b', url: rx.urlFor('/b') });
    const answer = await emitEvent(d.socket, 'entity.created', { entityId: 'ent_1' });
    expect(answer.deliveries.map((x) => x.webhookId).sort()).toEqual(['wh-a', 'wh-b']);
    const ids = answer.deliveries.map((x) => x.deliveryId);
    expect(new Set(ids).size).toBe(2);
    for (const { deliveryId, webhookId } of answer.deliveries) {
      const [req] = await rx.waitForDelivery(deliveryId);
      expect(req!.path).toBe(webhookId === 'wh-a' ? '/a' : '/b');
      expect(req!.json()).toMatchObject({ deliveryId, webhookId, eventId: answer.eventId });
    }
  });

  test('is signed with sha256=HMAC(secret, raw body) when the webhook has a secret, and not otherwise', async () => {
    const rx = await receiver();
    const d = await daemon();
    await createWebhook(d.socket, { id: 'wh-signed', url: rx.urlFor('/signed'), secret: SECRET });
    await createWebhook(d.socket, { id: 'wh-plain', url: rx.urlFor('/plain') });
    // Non-ASCII data: the HMAC must cover the UTF-8 bytes as sent.
    const answer = await emitEvent(d.socket, 'entity.updated', { entityId: 'ent_ü', changes: { name: { old: 'Schuh', new: 'Schühe ✓' } } });
    const byWebhook = new Map(answer.deliveries.map((x) => [x.webhookId, x.deliveryId]));

    const [signed] = await rx.waitForDelivery(byWebhook.get('wh-signed')!);
    const signature = signed!.headers['x-sigma-signature'];
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signature).toBe(hmac(SECRET, signed!.body));
    expect(signature).not.toBe(hmac('another-secret-0123456789', signed!.body));
    expect(signed!.text()).toContain('Schühe ✓');

    const [plain] = await rx.waitForDelivery(byWebhook.get('wh-plain')!);
    expect(plain!.headers).not.toHaveProperty('x-sigma-signature');
  });
});

describe('retries', () => {
  test('a 500 is retried after each configured delay with identical bytes, attempts 1..4, until a 2xx', async () => {
    const rx = await receiver({ failFirst: 3 });
    const d = await daemon();
    await createWebhook(d.socket, { id: 'wh-flaky', url: rx.urlFor('/flaky'), secret: SECRET });
    const { deliveries } = await emitEvent(d.socket, 'entity.created', { entityId: 'ent_7' });
    const deliveryId = deliveries[0]!.deliveryId;

    const requests = await rx.waitForDelivery(deliveryId, 4);
    expect(requests.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
    for (const r of requests) {
      expect(r.body.equals(requests[0]!.body)).toBe(true);
      expect(r.headers['x-sigma-signature']).toBe(hmac(SECRET, r.body));
      expect(r.headers['x-sigma-delivery']).toBe(deliveryId);
    }
    // The n-th retry comes no sooner than delays[n-1] after the failed attempt.
    for (let i = 1; i < requests.length; i++) {
      const gap = requests[i]!.receivedAt - requests[i - 1]!.receivedAt;
      expect(gap, `gap before attempt ${i + 1}`).toBeGreaterThanOrEqual(FAST_RETRY_DELAYS_MS[i - 1]!);
    }

    const done = await waitForDelivery(d.socket, deliveryId, 'succeeded');
    expect(done.attempts!.map((a) => [a.attempt, a.statusCode])).toEqual([[1, 500], [2, 500], [3, 500], [4, 200]]);
    expect(done.attempts![0]!.responseBody).toContain('failing attempt 1');
    expect(done.nextAttemptAt).toBeUndefined();

    // The journal schedules each retry exactly `delay` after the failed attempt ended.
    const { records } = await readJournal(t.home);
    const scheduled = records
      .filter((r) => r.t === 'attempt' && r.id === deliveryId && r.status === 'retrying')
      .map((r) => (r.next as number) - (r.at as number));
    expect(scheduled).toEqual([...FAST_RETRY_DELAYS_MS]);
  });

  test('after the 4th failed attempt the delivery is failed and nothing more is sent', async () => {
    const rx = await receiver({ status: 503, body: 'down for maintenance' });
    const d = await daemon();
    await createWebhook(d.socket, { id: 'wh-down', url: rx.urlFor('/down'), events: ['entity.deleted'] });
    const { deliveries } = await emitEvent(d.socket, 'entity.deleted', { entityId: 'ent_9', entityType: 'product' });
    const deliveryId = deliveries[0]!.deliveryId;

    const failed = await waitForDelivery(d.socket, deliveryId, 'failed');
    expect(failed.attempts!.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    for (const attempt of failed.attempts!) {
      expect(attempt.statusCode).toBe(503);
      expect(attempt.responseBody).toBe('down for maintenance');
      expect(attempt.startedAt).toMatch(ISO);
      expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(failed.nextAttemptAt).toBeUndefined();

    // A later delivery to another webhook is the barrier: by the time it arrives, a 5th attempt
    // would have been due long ago (the last delay is 150 ms).
    const ok = await receiver();
    await createWebhook(d.socket, { id: 'wh-ok', url: ok.urlFor('/ok'), events: ['entity.created'] });
    const later = await emitEvent(d.socket, 'entity.created', {});
    await waitForDelivery(d.socket, later.deliveries[0]!.deliveryId, 'succeeded');
    expect(rx.forDelivery(deliveryId).map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
    expect(d.stdoutLines.filter((line) => line.includes(deliveryId))).toHaveLength(4);
  });

  test('a connection refused is a failed attempt with the error recorded', async () => {
    const gone = await receiver();
    const url = gone.urlFor('/nobody');
    await gone.close();
    const d = await daemon();
    await createWebhook(d.socket, { id: 'wh-gone', url });
    const { deliveries } = await emitEvent(d.socket, 'variant.created', {});
    const failed = await waitForDelivery(d.socket, deliveries[0]!.deliveryId, 'failed');
    expect(failed.attempts).toHaveLength(4);
    for (const attempt of failed.attempts!) {
      expect(attempt.statusCode).toBeUndefined();
      expect(attempt.error).toMatch(/refused|ECONNREFUSED/);
    }
  });
});

/**
 * These change a webhook with the CLI "while a retry is pending". The daemon is frozen (SIGSTOP)
 * between the failed attempt and the change, so the retry cannot race the CLI; on SIGCONT the
 * due retry runs against the changed definition.
 */
describe('changes while a retry is pending', () => {
  const SLOW = { retryDelays: '1000ms,1000ms,1000ms' };

  async function failedOnce(rx: Receiver, d: DaemonProcess, webhook: { id: string; secret?: string }) {
    await createWebhook(d.socket, { ...webhook, url: rx.urlFor(`/${webhook.id}`) });
    const { deliveries } = await emitEvent(d.socket, 'entity.created', { entityId: 'ent_1' });
    const deliveryId = deliveries[0]!.deliveryId;
    await rx.waitForDelivery(deliveryId, 1);
    const retrying = await waitForDelivery(d.socket, deliveryId, 'retrying');
    d.pause();
    return { deliveryId, retrying };
  }

  test('deleting the webhook cancels the retry, with the reason recorded', async () => {
    const rx = await receiver({ status: 500 });
    const d = await daemon(SLOW);
    const { deliveryId, retrying } = await failedOnce(rx, d, { id: 'wh-del' });
    expect(retrying.nextAttemptAt).toMatch(ISO);
    const removed = await cli('delete', 'wh-del', '--yes');
    d.resume();
    expect(removed.code, removed.stderr).toBe(0);

    const cancelled = await waitForDelivery(d.socket, deliveryId, 'cancelled');
    expect(cancelled.cancelReason).toMatch(/wh-del.*deleted/);
    expect(cancelled.nextAttemptAt).toBeUndefined();
    expect(cancelled.attempts).toHaveLength(1);
    expect(rx.forDelivery(deliveryId)).toHaveLength(1);
    await d.waitForLine(new RegExp(`cancelled ${deliveryId}`));
  });

  test('disabling the webhook cancels the retry, with the reason recorded', async () => {
    const rx = await receiver({ status: 500 });
    const d = await daemon(SLOW);
    const { deliveryId } = await failedOnce(rx, d, { id: 'wh-off' });
    const disabled = await cli('disable', 'wh-off');
    d.resume();
    expect(disabled.code, disabled.stderr).toBe(0);

    const cancelled = await waitForDelivery(d.socket, deliveryId, 'cancelled');
    expect(cancelled.cancelReason).toMatch(/wh-off.*inactive/);
    expect(rx.forDelivery(deliveryId)).toHaveLength(1);
    const listed = await cli('deliveries', '--status', 'cancelled', '--json');
    expect((JSON.parse(listed.stdout) as Array<{ deliveryId: string }>).map((x) => x.deliveryId)).toEqual([deliveryId]);
  });

  test('a secret rotated with the CLI signs the retry', async () => {
    const rx = await receiver({ failFirst: 1 });
    const d = await daemon(SLOW);
    const NEW_SECRET = 'whsec_rotated_secret_9876543210';
    const { deliveryId } = await failedOnce(rx, d, { id: 'wh-rot', secret: SECRET });
    const rotated = await cli('update', 'wh-rot', '--secret', NEW_SECRET);
    d.resume();
    expect(rotated.code, rotated.stderr).toBe(0);

    const [first, second] = await rx.waitForDelivery(deliveryId, 2);
    expect(first!.headers['x-sigma-signature']).toBe(hmac(SECRET, first!.body));
    expect(second!.attempt).toBe(2);
    expect(second!.body.equals(first!.body)).toBe(true);
    expect(second!.headers['x-sigma-signature']).toBe(hmac(NEW_SECRET, second!.body));
    expect(second!.headers['x-sigma-signature']).not.toBe(hmac(SECRET, second!.body));
    await waitForDelivery(d.socket, deliveryId, 'succeeded');
  });
});

describe('who receives', () => {
  test('inactive webhooks and webhooks of another tenant get nothing', async () => {
    const rx = await receiver();
    const d = await daemon();
    await createWebhook(d.socket, { id: 'wh-on', url: rx.urlFor('/on') });
    await createWebhook(d.socket, { id: 'wh-idle', url: rx.urlFor('/idle'), active: false });
    await createWebhook(d.socket, { id: 'wh-other', url: rx.urlFor('/other'), tenant: 'acme' });

    const mine = await emitEvent(d.socket, 'entity.created', {});
    expect(mine.deliveries).toEqual([{ deliveryId: expect.any(String), webhookId: 'wh-on' }]);
    // The other tenant's emission reaches only its own webhook.
    const theirs = await emitEvent(d.socket, 'entity.created', {}, { tenant: 'acme' });
    expect(theirs.deliveries).toEqual([{ deliveryId: expect.any(String), webhookId: 'wh-other' }]);

    await rx.waitForDelivery(mine.deliveries[0]!.deliveryId);
    const [other] = await rx.waitForDelivery(theirs.deliveries[0]!.deliveryId);
    expect(other!.json()).toMatchObject({ tenant: 'acme', webhookId: 'wh-other' });
    expect(rx.at('/idle')).toEqual([]);
    expect(rx.at('/on')).toHaveLength(1);
    expect(rx.at('/other')).toHaveLength(1);

    // Deliveries of one tenant are invisible to the other.
    const notMine = await d.api('GET', `/api/v1/deliveries/${theirs.deliveries[0]!.deliveryId}`);
    expect(notMine.status).toBe(404);
  });

  test('wildcard subscriptions receive the events they cover', async () => {
    const rx = await receiver();
    const d = await daemon();
    await createWebhook(d.socket, { id: 'wh-all', url: rx.urlFor('/all'), events: ['*'] });
    await createWebhook(d.socket, { id: 'wh-entity', url: rx.urlFor('/entity'), events: ['entity.*'] });
    await createWebhook(d.socket, { id: 'wh-variant', url: rx.urlFor('/variant'), events: ['variant.*'] });
    await createWebhook(d.socket, { id: 'wh-exact', url: rx.urlFor('/exact'), events: ['entity.updated'] });

    const created = await emitEvent(d.socket, 'entity.created', {});
    expect(created.deliveries.map((x) => x.webhookId).sort()).toEqual(['wh-all', 'wh-entity']);
    const deleted = await emitEvent(d.socket, 'variant.deleted', {});
    expect(deleted.deliveries.map((x) => x.webhookId).sort()).toEqual(['wh-all', 'wh-variant']);
    const updated = await emitEvent(d.socket, 'entity.updated', {});
    expect(updated.deliveries.map((x) => x.webhookId).sort()).toEqual(['wh-all', 'wh-entity', 'wh-exact']);

    await rx.waitFor((all) => all.length >= 7, 10_000, '7 deliveries');
    expect(rx.at('/entity').map((r) => r.event)).toEqual(expect.arrayContaining(['entity.created', 'entity.updated']));
    expect(rx.at('/variant').map((r) => r.event)).toEqual(['variant.deleted']);
    expect(rx.at('/exact').map((r) => r.event)).toEqual(['entity.updated']);
  });
});

describe('failure modes of the receiver', () => {
  test('a redirect is not followed: each 302 is a failed attempt recorded with statusCode 302', async () => {
    const rx = await receiver();
    rx.on('/moved', { redirectTo: rx.urlFor('/target') });
    const d = await daemon();
    await createWebhook(d.socket, { id: 'wh-moved', url: rx.urlFor('/moved') });
    const { deliveries } = await emitEvent(d.socket, 'entity.created', {});
    const failed = await waitForDelivery(d.socket, deliveries[0]!.deliveryId, 'failed');
    expect(failed.attempts!.map((a) => a.statusCode)).toEqual([302, 302, 302, 302]);
    expect(rx.at('/moved')).toHaveLength(4);
    expect(rx.at('/target')).toEqual([]);
  });

  test('a hung endpoint holds only its own slot: another endpoint gets its deliveries meanwhile', async () => {
    const hung = await receiver({ hang: true });
    const healthy = await receiver();
    const d = await daemon({ timeout: '3000ms', concurrency: 2, endpointConcurrency: 1, retryDelays: '60000ms' });
    await createWebhook(d.socket, { id: 'wh-hung', url: hung.urlFor('/hang'), events: ['entity.deleted'] });
    await createWebhook(d.socket, { id: 'wh-healthy', url: healthy.urlFor('/ok'), events: ['entity.created'] });

    const stuck = [];
    for (let i = 0; i < 3; i++) stuck.push(await emitEvent(d.socket, 'entity.deleted', { n: i }));
    await hung.waitFor((all) => all.length >= 1, 5_000, 'the first hung request');

    const fine = [];
    for (let i = 0; i < 4; i++) fine.push(await emitEvent(d.socket, 'entity.created', { n: i }));
    for (const answer of fine) await healthy.waitForDelivery(answer.deliveries[0]!.deliveryId, 1, 2_500);
    // All of them arrived while the first hung request was still open (before its 3 s timeout),
    // and the per-endpoint limit kept the hung endpoint at one request in flight.
    expect(hung.requests).toHaveLength(1);
    expect(hung.open()).toHaveLength(1);
    for (const answer of fine) await waitForDelivery(d.socket, answer.deliveries[0]!.deliveryId, 'succeeded');

    // The hung attempt ends as a timeout, then the next queued delivery to that endpoint goes out.
    const first = stuck[0]!.deliveries[0]!.deliveryId;
    const timedOut = await waitForDelivery(d.socket, first, 'retrying', 10_000);
    expect(timedOut.attempts![0]!.error).toMatch(/timeout/i);
    expect(timedOut.attempts![0]!.durationMs).toBeGreaterThanOrEqual(2900);
    await hung.waitFor((all) => all.length >= 2, 5_000, 'the next queued hung request');
    const pending = await getDelivery(d.socket, stuck[2]!.deliveries[0]!.deliveryId);
    expect(pending.status).toBe('pending');
  });
});

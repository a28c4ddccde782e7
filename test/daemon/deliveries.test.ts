/**
 * SPEC §6 `deliveries`, `deliveries show` and `deliveries redeliver` as the built CLI against a
 * real daemon: filters, ordering, --json shapes, attempts, nextAttemptAt, new attempt chains.
 */
import { describe, expect, test } from 'vitest';
import type { EmitAnswer } from '../../src/core/delivery.js';
import type { DeliveryView } from '../../src/core/views.js';
import {
  createWebhook,
  emitEvent,
  waitForDelivery,
} from '../helpers/daemon.js';
import { useDaemonTest } from './fixture.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const t = useDaemonTest();
const { receiver, daemon, cliJson } = t;
const cli = (args: string[], input?: string) => t.cli(args, input);

describe('deliveries', () => {
  /**
   * Three events: created → ok; updated → ok; deleted → ok and bad (500 until told otherwise).
   * Returns the emit answers once every delivery has finished.
   */
  async function scenario() {
    const d = await daemon();
    const rx = await receiver();
    rx.on('/bad', { status: 500, body: 'broken' });
    await createWebhook(d.socket, { id: 'wh-ok', url: rx.urlFor('/ok'), events: ['*'] });
    await createWebhook(d.socket, { id: 'wh-bad', url: rx.urlFor('/bad'), events: ['entity.deleted'] });
    const created = await emitEvent(d.socket, 'entity.created', { n: 1 });
    const updated = await emitEvent(d.socket, 'entity.updated', { n: 2 });
    const deleted = await emitEvent(d.socket, 'entity.deleted', { n: 3 });
    for (const answer of [created, updated, deleted]) {
      for (const { deliveryId } of answer.deliveries) {
        await waitForDelivery(d.socket, deliveryId, (x) => x.status === 'succeeded' || x.status === 'failed');
      }
    }
    const id = (answer: EmitAnswer, webhookId: string) => answer.deliveries.find((x) => x.webhookId === webhookId)!.deliveryId;
    return { d, rx, created, updated, deleted, failedId: id(deleted, 'wh-bad'), okDeletedId: id(deleted, 'wh-ok') };
  }

  test('lists newest first, filters by --webhook, --event, --status and --limit; table and --json', async () => {
    const { created, updated, deleted, failedId } = await scenario();

    const all = await cliJson<DeliveryView[]>('deliveries');
    expect(Array.isArray(all)).toBe(true);
    expect(all).toHaveLength(4);
    expect(all.map((x) => x.eventId)).toEqual([deleted.eventId, deleted.eventId, updated.eventId, created.eventId]);
    for (let i = 1; i < all.length; i++) expect(Date.parse(all[i - 1]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(all[i]!.createdAt));
    expect(all[3]).toMatchObject({ event: 'entity.created', webhookId: 'wh-ok', status: 'succeeded', attemptCount: 1, tenant: 'default' });

    const bad = await cliJson<DeliveryView[]>('deliveries', '--webhook', 'wh-bad');
    expect(bad.map((x) => x.deliveryId)).toEqual([failedId]);
    const ok = await cliJson<DeliveryView[]>('deliveries', '--webhook', 'wh-ok');
    expect(ok.map((x) => x.event)).toEqual(['entity.deleted', 'entity.updated', 'entity.created']);

    const updatedOnly = await cliJson<DeliveryView[]>('deliveries', '--event', 'entity.updated');
    expect(updatedOnly.map((x) => x.deliveryId)).toEqual([updated.deliveries[0]!.deliveryId]);

    const failed = await cliJson<DeliveryView[]>('deliveries', '--status', 'failed');
    expect(failed.map((x) => x.deliveryId)).toEqual([failedId]);
    expect(failed[0]).toMatchObject({ status: 'failed', attemptCount: 4, lastAttempt: { attempt: 4, statusCode: 500 } });
    expect((await cliJson<DeliveryView[]>('deliveries', '--status', 'succeeded'))).toHaveLength(3);
    expect((await cliJson<DeliveryView[]>('deliveries', '--status', 'retrying'))).toEqual([]);

    const limited = await cliJson<DeliveryView[]>('deliveries', '--limit', '2');
    expect(limited.map((x) => x.deliveryId)).toEqual(all.slice(0, 2).map((x) => x.deliveryId));
    const combined = await cliJson<DeliveryView[]>('deliveries', '--webhook', 'wh-ok', '--event', 'entity.deleted');
    expect(combined).toHaveLength(1);

    const table = await cli(['deliveries']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/DELIVERY.*EVENT.*WEBHOOK.*STATUS/);
    for (const x of all) expect(table.stdout).toContain(x.deliveryId);
    expect(table.stdout.indexOf(all[0]!.deliveryId)).toBeLessThan(table.stdout.indexOf(all[3]!.deliveryId));

    const badStatus = await cli(['deliveries', '--status', 'exploded']);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toMatch(/--status/);
    expect(badStatus.stderr).toContain('succeeded');
    const badLimit = await cli(['deliveries', '--limit', 'lots']);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/--limit/);
  });

  test('show: status, webhookId, event and every attempt; text and --json', async () => {
    const { failedId, okDeletedId } = await scenario();

    const failed = await cliJson<DeliveryView>('deliveries', 'show', failedId);
    expect(failed).toMatchObject({ deliveryId: failedId, status: 'failed', webhookId: 'wh-bad', event: 'entity.deleted' });
    expect(failed.attempts).toHaveLength(4);
    failed.attempts!.forEach((a, i) => {
      expect(a.attempt).toBe(i + 1);
      expect(a.startedAt).toMatch(ISO);
      expect(typeof a.durationMs).toBe('number');
      expect(a.statusCode).toBe(500);
      expect(a.error).toBeUndefined();
      expect(a.responseBody).toBe('broken');
    });
    expect(failed.nextAttemptAt).toBeUndefined();

    const ok = await cliJson<DeliveryView>('deliveries', 'show', okDeletedId);
    expect(ok).toMatchObject({ status: 'succeeded', webhookId: 'wh-ok', attempts: [{ attempt: 1, statusCode: 200 }] });

    const text = await cli(['deliveries', 'show', failedId]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(failedId);
    expect(text.stdout).toContain('failed');
    expect(text.stdout.match(/HTTP 500/g)).toHaveLength(4);

    const unknown = await cli(['deliveries', 'show', 'dlv_nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('dlv_nope');
  });

  test('show: nextAttemptAt while retrying, and the error of a refused connection', async () => {
    const d = await daemon({ retryDelays: '20000ms,20000ms,20000ms' });
    const gone = await receiver();
    const url = gone.urlFor('/gone');
    await gone.close();
    await createWebhook(d.socket, { id: 'wh-gone', url });
    const { deliveries } = await emitEvent(d.socket, 'entity.created', {});
    const deliveryId = deliveries[0]!.deliveryId;
    await waitForDelivery(d.socket, deliveryId, 'retrying');

    const shown = await cliJson<DeliveryView>('deliveries', 'show', deliveryId);
    expect(shown.status).toBe('retrying');
    expect(shown.attempts).toHaveLength(1);
    expect(shown.attempts![0]!.statusCode).toBeUndefined();
    expect(shown.attempts![0]!.error).toMatch(/refused/);
    expect(shown.nextAttemptAt).toMatch(ISO);
    const ended = Date.parse(shown.attempts![0]!.startedAt) + shown.attempts![0]!.durationMs;
    expect(Date.parse(shown.nextAttemptAt!) - ended).toBe(20_000);

    const text = await cli(['deliveries', 'show', deliveryId]);
    expect(text.stdout).toMatch(/next attempt/);
    expect(text.stdout).toMatch(/refused/);
    const listed = await cliJson<DeliveryView[]>('deliveries', '--status', 'retrying');
    expect(listed[0]).toMatchObject({ deliveryId, nextAttemptAt: shown.nextAttemptAt });
  });

  test('redeliver starts a new attempt chain: attempt 1 again, same deliveryId and body bytes', async () => {
    const { rx, d, failedId, okDeletedId } = await scenario();
    const firstBody = rx.forDelivery(failedId)[0]!.body;
    rx.on('/bad', {}); // the receiver is fixed

    const result = await cli(['deliveries', 'redeliver', failedId]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(failedId);
    const requests = await rx.waitForDelivery(failedId, 5);
    const again = requests[4]!;
    expect(again.attempt).toBe(1);
    expect(again.deliveryId).toBe(failedId);
    expect(again.body.equals(firstBody)).toBe(true);

    const shown = await waitForDelivery(d.socket, failedId, 'succeeded');
    expect(shown.attempts!.map((a) => [a.attempt, a.statusCode])).toEqual([[1, 500], [2, 500], [3, 500], [4, 500], [1, 200]]);

    // A succeeded delivery can be redelivered too (a receiver lost it), with --json output.
    const json = await cliJson<DeliveryView>('deliveries', 'redeliver', okDeletedId);
    expect(json.deliveryId).toBe(okDeletedId);
    const [original, redelivered] = await rx.waitForDelivery(okDeletedId, 2);
    expect(redelivered!.attempt).toBe(1);
    expect(redelivered!.body.equals(original!.body)).toBe(true);

    const unknown = await cli(['deliveries', 'redeliver', 'dlv_nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('dlv_nope');
  });

  test('every deliveries command exits 3 without a daemon', async () => {
    for (const args of [['deliveries'], ['deliveries', 'show', 'dlv_x'], ['deliveries', 'redeliver', 'dlv_x']]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stderr).toContain('daemon start');
    }
  });
});

/**
 * SPEC §6 `daemon start|status|stop|restart` and `emit` as the built CLI against a real daemon:
 * exit codes, data sources, --json, --wait, and webhook changes applying without a restart.
 */
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { EmitAnswer } from '../../src/core/delivery.js';
import type { DeliveryView } from '../../src/core/views.js';
import { STACK_LINE } from '../helpers/cli.js';
import {
  createWebhook,
  emitEvent,
  homeFiles,
  isProcessAlive,
  waitForDelivery,
} from '../helpers/daemon.js';
import { useDaemonTest } from './fixture.js';

const EVENTS = ['entity.created', 'entity.updated', 'entity.deleted', 'entity.transition', 'variant.created', 'variant.updated', 'variant.deleted'];

const t = useDaemonTest();
const { receiver, daemon, cliJson } = t;
const cli = (args: string[], input?: string) => t.cli(args, input);

describe('daemon start | status | stop | restart', () => {
  test('manage a detached daemon; status exits 3 when none runs', async () => {
    const before = await cli(['daemon', 'status']);
    expect(before.code).toBe(3);
    expect(before.stderr).toMatch(/not running/);
    expect(before.stderr).toContain('daemon start');

    const started = await cli(['daemon', 'start', '--retry-delays', '50ms,100ms,150ms']);
    expect(started.code, started.stderr).toBe(0);
    const pid = Number(/pid (\d+)/.exec(started.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(isProcessAlive(pid)).toBe(true);
    const files = homeFiles(t.home);
    expect(existsSync(files.socket)).toBe(true);
    expect(existsSync(files.log)).toBe(true);

    const status = await cli(['daemon', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`running \\(pid ${pid}`));
    const statusJson = await cliJson<Record<string, unknown>>('daemon', 'status');
    expect(statusJson).toMatchObject({ status: 'ok', pid, socket: files.socket, queue: { pending: 0, retrying: 0, delivering: 0 } });

    // It is a working daemon: the retry delays were passed through.
    const rx = await receiver({ failFirst: 1 });
    await createWebhook(files.socket, { id: 'wh-bg', url: rx.urlFor('/bg') });
    const { deliveries } = await emitEvent(files.socket, 'entity.created', {});
    const done = await waitForDelivery(files.socket, deliveries[0]!.deliveryId, 'succeeded');
    expect(done.attempts).toHaveLength(2);

    const again = await cli(['daemon', 'start']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already running/);

    const restarted = await cli(['daemon', 'restart']);
    expect(restarted.code, restarted.stderr).toBe(0);
    const newPid = Number(/started \(pid (\d+)/.exec(restarted.stdout)?.[1]);
    expect(newPid).toBeGreaterThan(0);
    expect(newPid).not.toBe(pid);
    expect(isProcessAlive(pid)).toBe(false);
    expect((await cliJson<{ pid: number }>('daemon', 'status')).pid).toBe(newPid);
    // The journal survived the restart.
    expect((await cliJson<DeliveryView[]>('deliveries')).map((x) => x.deliveryId)).toEqual([deliveries[0]!.deliveryId]);

    const stopped = await cli(['daemon', 'stop']);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(/stopped/);
    expect(isProcessAlive(newPid)).toBe(false);
    expect(existsSync(files.socket)).toBe(false);
    expect(existsSync(files.pid)).toBe(false);
    expect((await cli(['daemon', 'status'])).code).toBe(3);
    const stopAgain = await cli(['daemon', 'stop']);
    expect(stopAgain.code).toBe(0);
    expect(stopAgain.stdout).toMatch(/not running/);
  });
});

describe('emit', () => {
  test('without a daemon exits 3 and says how to start one', async () => {
    const result = await cli(['emit', 'entity.created']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/not running/);
    expect(result.stderr).toContain('daemon start');
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  test('an unknown event exits 2 and lists the valid ones', async () => {
    const d = await daemon();
    const rx = await receiver();
    await createWebhook(d.socket, { id: 'wh-any', url: rx.urlFor('/any') });
    const result = await cli(['emit', 'entity.exploded']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('entity.exploded');
    for (const name of EVENTS) expect(result.stderr).toContain(name);
    expect(result.stdout).toBe('');
    const listed = await cliJson<DeliveryView[]>('deliveries');
    expect(listed).toEqual([]);
  });

  test('prints the eventId and each deliveryId; --json prints {eventId, deliveries}', async () => {
    const d = await daemon();
    const rx = await receiver();
    await createWebhook(d.socket, { id: 'wh-one', url: rx.urlFor('/one') });
    await createWebhook(d.socket, { id: 'wh-two', url: rx.urlFor('/two') });

    const text = await cli(['emit', 'entity.created']);
    expect(text.code, text.stderr).toBe(0);
    const eventId = /\b(evt_\w+)/.exec(text.stdout)?.[1];
    const deliveryIds = [...text.stdout.matchAll(/\b(dlv_\w+)/g)].map((m) => m[1]!);
    expect(eventId).toBeDefined();
    expect(new Set(deliveryIds).size).toBe(2);
    for (const id of deliveryIds) {
      const [req] = await rx.waitForDelivery(id);
      expect(req!.json()).toMatchObject({ eventId, deliveryId: id });
    }
    expect(text.stdout).toContain('wh-one');
    expect(text.stdout).toContain('wh-two');

    const json = await cliJson<EmitAnswer>('emit', 'entity.deleted');
    expect(Object.keys(json).sort()).toEqual(['deliveries', 'eventId']);
    expect(json.deliveries).toHaveLength(2);
    for (const x of json.deliveries) expect(Object.keys(x).sort()).toEqual(['deliveryId', 'webhookId']);
    expect(json.deliveries.map((x) => x.webhookId).sort()).toEqual(['wh-one', 'wh-two']);
    for (const x of json.deliveries) {
      const [req] = await rx.waitForDelivery(x.deliveryId);
      expect(req!.json()).toMatchObject({ eventId: json.eventId, webhookId: x.webhookId, event: 'entity.deleted' });
    }
  });

  test('data from a sample, --data JSON, @file, - (stdin) and --set key=value', async () => {
    const d = await daemon();
    const rx = await receiver();
    await createWebhook(d.socket, { id: 'wh-data', url: rx.urlFor('/data') });
    const dataOf = async (args: string[], input?: string) => {
      const result = await cli(['emit', ...args, '--json'], input);
      expect(result.code, result.stderr).toBe(0);
      const answer = JSON.parse(result.stdout) as EmitAnswer;
      const [req] = await rx.waitForDelivery(answer.deliveries[0]!.deliveryId);
      return req!.json<{ data: Record<string, unknown> }>().data;
    };

    // No --data: a realistic sample with at least the fields of SPEC §1.
    const sample = await dataOf(['entity.created']);
    expect(sample).toEqual(expect.objectContaining({ entityId: expect.any(String), entityType: expect.any(String), state: expect.any(String), attributes: expect.any(Object) }));
    const transition = await dataOf(['entity.transition']);
    expect(Object.keys(transition)).toEqual(expect.arrayContaining(['entityId', 'entityType', 'from', 'to']));

    const literal = { entityId: 'ent_42', from: 'Draft', to: 'Review' };
    expect(await dataOf(['entity.transition', '--data', JSON.stringify(literal)])).toEqual(literal);

    const file = join(t.home, 'data.json');
    await writeFile(file, JSON.stringify({ entityId: 'ent_file', entityType: 'product' }));
    expect(await dataOf(['entity.deleted', '--data', `@${file}`])).toEqual({ entityId: 'ent_file', entityType: 'product' });

    expect(await dataOf(['variant.deleted', '--data', '-'], '{"entityId":"ent_in","variantId":"var_in"}')).toEqual({ entityId: 'ent_in', variantId: 'var_in' });

    const set = await dataOf(['entity.updated', '--data', '{"entityId":"ent_1","keep":true}', '--set', 'entityId=ent_2', '--set', 'changes.price.new=139.9', '--set', 'note=hello world']);
    expect(set).toEqual({ entityId: 'ent_2', keep: true, changes: { price: { new: 139.9 } }, note: 'hello world' });

    const bad = await cli(['emit', 'entity.created', '--data', '{not json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--data');
    const missing = await cli(['emit', 'entity.created', '--data', '@/no/such/file.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/no/such/file.json');
  });

  test('--wait exits 0 when every delivery succeeds and 1 when one ends failed', async () => {
    const d = await daemon();
    const rx = await receiver();
    rx.on('/bad', { status: 500 });
    rx.on('/flaky', { failFirst: 2 });
    await createWebhook(d.socket, { id: 'wh-good', url: rx.urlFor('/good'), events: ['entity.created', 'entity.deleted'] });
    await createWebhook(d.socket, { id: 'wh-flaky', url: rx.urlFor('/flaky'), events: ['entity.created'] });
    await createWebhook(d.socket, { id: 'wh-bad', url: rx.urlFor('/bad'), events: ['entity.deleted'] });

    const ok = await cli(['emit', 'entity.created', '--wait']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/succeeded/);
    expect(rx.at('/flaky')).toHaveLength(3); // it waited through the retries

    const failed = await cli(['emit', 'entity.deleted', '--wait']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/failed/);
    expect(failed.stderr).toMatch(/1 of 2 deliveries did not succeed/);
    expect(rx.at('/bad')).toHaveLength(4);

    const json = await cli(['emit', 'entity.deleted', '--wait', '--json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { eventId: string; deliveries: Array<{ webhookId: string; status: string }> };
    expect(doc.deliveries.map((x) => [x.webhookId, x.status]).sort()).toEqual([['wh-bad', 'failed'], ['wh-good', 'succeeded']]);
  });

  test('a webhook changed with the CLI applies from the next emit, without a restart', async () => {
    const d = await daemon();
    const rx = await receiver();
    const created = await cli(['create', '--id', 'wh-live', '--name', 'live', '--url', rx.urlFor('/v1'), '--events', 'entity.created']);
    expect(created.code, created.stderr).toBe(0);

    const first = await cliJson<EmitAnswer>('emit', 'entity.created');
    expect((await rx.waitForDelivery(first.deliveries[0]!.deliveryId))[0]!.path).toBe('/v1');

    expect((await cli(['update', 'wh-live', '--url', rx.urlFor('/v2')])).code).toBe(0);
    const second = await cliJson<EmitAnswer>('emit', 'entity.created');
    expect((await rx.waitForDelivery(second.deliveries[0]!.deliveryId))[0]!.path).toBe('/v2');

    expect((await cli(['update', 'wh-live', '--events', 'entity.deleted'])).code).toBe(0);
    const none = await cli(['emit', 'entity.created']);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/nothing to deliver/);
    expect((await cliJson<EmitAnswer>('emit', 'entity.created')).deliveries).toEqual([]);

    expect((await cli(['create', '--id', 'wh-new', '--name', 'new', '--url', rx.urlFor('/new'), '--events', '*'])).code).toBe(0);
    const third = await cliJson<EmitAnswer>('emit', 'entity.deleted');
    expect(third.deliveries.map((x) => x.webhookId).sort()).toEqual(['wh-live', 'wh-new']);

    expect((await cli(['disable', 'wh-new'])).code).toBe(0);
    expect((await cliJson<EmitAnswer>('emit', 'entity.deleted')).deliveries.map((x) => x.webhookId)).toEqual(['wh-live']);
    expect(d.running).toBe(true);
    expect(((await d.api('GET', '/health')).json as { pid: number }).pid).toBe(d.pid);
  });
});

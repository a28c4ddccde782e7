/**
 * SPEC §3–§5 durability and the daemon's lifecycle as a process: kill -9 while a retry is
 * pending, acknowledged emissions surviving a crash, the journal's torn last line and corrupt
 * middle line, stale sockets, one daemon per home, the socket's mode and the pid file.
 */
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { DeliveryView } from '../../src/core/views.js';
import {
  createWebhook,
  emitEvent,
  getDelivery,
  pollUntil,
  readJournal,
  spawnDaemon,
  waitForDelivery,
} from '../helpers/daemon.js';
import { useDaemonTest } from './fixture.js';

const t = useDaemonTest();
const { receiver, daemon } = t;
const journalPath = () => `${t.home}/deliveries.jsonl`;
const socketPath = () => `${t.home}/daemon.sock`;
const pidPath = () => `${t.home}/daemon.pid`;

describe('crash safety', () => {
  test('kill -9 while a retry is pending: after a restart the retry is delivered, same deliveryId and bytes', async () => {
    const rx = await receiver({ failFirst: 1 });
    const first = await daemon({ retryDelays: '1500ms,1500ms,1500ms' });
    await createWebhook(first.socket, { id: 'wh-crash', url: rx.urlFor('/crash'), secret: 'whsec_crash_secret_0123456789' });
    const { deliveries } = await emitEvent(first.socket, 'entity.transition', { entityId: 'ent_42', from: 'Draft', to: 'Review' });
    const deliveryId = deliveries[0]!.deliveryId;
    const [attempt1] = await rx.waitForDelivery(deliveryId, 1);

    // Wait until the failed attempt and its retry time are on disk, then crash.
    const retryRecord = await pollUntil(
      async () => (await readJournal(t.home)).records.find((r) => r.t === 'attempt' && r.id === deliveryId && r.status === 'retrying'),
      { what: 'the retrying record in the journal' },
    );
    const killed = await first.kill9();
    expect(killed.signal).toBe('SIGKILL');
    expect(rx.forDelivery(deliveryId)).toHaveLength(1); // the kill landed before the retry was due

    const restartedAt = Date.now();
    const second = await daemon({ retryDelays: '1500ms,1500ms,1500ms' });
    const [, retry] = await rx.waitForDelivery(deliveryId, 2);
    expect(retry!.receivedAt).toBeGreaterThanOrEqual(restartedAt);
    expect(retry!.receivedAt).toBeGreaterThanOrEqual(retryRecord.next as number); // at its due time, not earlier
    expect(retry!.deliveryId).toBe(deliveryId);
    expect(retry!.attempt).toBe(2);
    expect(retry!.body.equals(attempt1!.body)).toBe(true);
    expect(retry!.headers['x-sigma-signature']).toBe(attempt1!.headers['x-sigma-signature']);

    const done = await waitForDelivery(second.socket, deliveryId, 'succeeded');
    expect(done.attempts!.map((a) => [a.attempt, a.statusCode])).toEqual([[1, 500], [2, 200]]);
  });

  test('every acknowledged emission is delivered after a kill -9 right after the 202s', async () => {
    const rx = await receiver();
    rx.setDefault({ hang: true }); // nothing finishes before the crash
    const first = await daemon({ timeout: '10000ms' });
    await createWebhook(first.socket, { id: 'wh-durable', url: rx.urlFor('/durable') });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => emitEvent(first.socket, 'entity.created', { n })));
    await first.kill9();

    rx.setDefault({});
    const second = await daemon();
    const ids = answers.map((a) => a.deliveries[0]!.deliveryId);
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) {
      const done = await waitForDelivery(second.socket, id, 'succeeded');
      expect(done.webhookId).toBe('wh-durable');
    }
    // At least once: every delivery arrived; a repeat keeps its deliveryId and bytes.
    for (const id of ids) {
      const seen = rx.forDelivery(id);
      expect(seen.length).toBeGreaterThanOrEqual(1);
      for (const r of seen) expect(r.body.equals(seen[0]!.body)).toBe(true);
    }
  });

  test('an emission is acknowledged only once its deliveries are in the journal file', async () => {
    const rx = await receiver();
    const d = await daemon();
    await createWebhook(d.socket, { id: 'wh-a', url: rx.urlFor('/a') });
    await createWebhook(d.socket, { id: 'wh-b', url: rx.urlFor('/b') });
    // Concurrent emissions (group commit); each is checked against the file the moment its 202 arrives.
    await Promise.all(
      Array.from({ length: 25 }, async (_, n) => {
        const answer = await emitEvent(d.socket, 'entity.updated', { n });
        const onDisk = await readFile(journalPath(), 'utf8');
        expect(onDisk).toContain(answer.eventId);
        for (const { deliveryId } of answer.deliveries) expect(onDisk).toContain(`"id":"${deliveryId}"`);
      }),
    );
  });
});

describe('the journal file', () => {
  test('a torn last line (crash mid-append) is tolerated: the daemon starts and keeps what came before', async () => {
    const rx = await receiver();
    const first = await daemon();
    await createWebhook(first.socket, { id: 'wh-t', url: rx.urlFor('/t') });
    const before = [await emitEvent(first.socket, 'entity.created', {}), await emitEvent(first.socket, 'entity.deleted', {})];
    const ids = before.map((a) => a.deliveries[0]!.deliveryId);
    for (const id of ids) await waitForDelivery(first.socket, id, 'succeeded');
    const stopped = await first.terminate();
    expect(stopped.code).toBe(0);

    const torn = '{"t":"delivery","id":"dlv_torn","eventId":"evt_to';
    await appendFile(journalPath(), torn);
    const second = await daemon();
    const list = (await second.api('GET', '/api/v1/deliveries')).json as DeliveryView[];
    expect(list.map((x) => x.deliveryId)).toEqual([...ids].reverse());
    expect(list.every((x) => x.status === 'succeeded')).toBe(true);

    // New appends go after the last good line, so the file replays cleanly again.
    const after = await emitEvent(second.socket, 'entity.created', {});
    await waitForDelivery(second.socket, after.deliveries[0]!.deliveryId, 'succeeded');
    await second.terminate();
    const text = await readFile(journalPath(), 'utf8');
    expect(text).not.toContain('dlv_torn');
    for (const line of text.split('\n').filter((l) => l !== '')) expect(() => JSON.parse(line)).not.toThrow();
    const third = await daemon();
    const again = (await third.api('GET', '/api/v1/deliveries')).json as DeliveryView[];
    expect(again.map((x) => x.deliveryId)).toEqual([after.deliveries[0]!.deliveryId, ...[...ids].reverse()]);
  });

  test('a corrupt line in the middle: the daemon refuses to start, names path:line, and leaves the file untouched', async () => {
    const rx = await receiver();
    const first = await daemon();
    await createWebhook(first.socket, { id: 'wh-c', url: rx.urlFor('/c') });
    for (let i = 0; i < 2; i++) {
      const answer = await emitEvent(first.socket, 'entity.created', { i });
      await waitForDelivery(first.socket, answer.deliveries[0]!.deliveryId, 'succeeded');
    }
    await first.terminate();

    const lines = (await readFile(journalPath(), 'utf8')).split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    const badLine = 3;
    lines.splice(badLine - 1, 0, '{"t":"attempt","id": this is not json}');
    const corrupted = `${lines.join('\n')}\n`;
    await writeFile(journalPath(), corrupted);
    const mtimeBefore = (await stat(journalPath())).mtimeMs;

    const refused = spawnDaemon({ home: t.home });
    const exit = await refused.waitForExit();
    expect(exit.code).not.toBe(0);
    expect(refused.output()).toContain(`${journalPath()}:${badLine}`);
    expect(refused.output()).not.toMatch(/^\s{4}at /m); // a message, not a stack trace
    expect(await readFile(journalPath(), 'utf8')).toBe(corrupted);
    expect((await stat(journalPath())).mtimeMs).toBe(mtimeBefore);
    expect(existsSync(socketPath())).toBe(false);
  });
});

describe('one daemon per home', () => {
  test('a stale socket and pid file left by kill -9 are cleaned up by the next daemon', async () => {
    const first = await daemon();
    const firstPid = first.pid;
    await first.kill9();
    expect(existsSync(socketPath())).toBe(true); // the crash left it behind
    expect((await stat(socketPath())).isSocket()).toBe(true);
    expect(Number((await readFile(pidPath(), 'utf8')).trim())).toBe(firstPid);

    const second = await daemon();
    expect(Number((await readFile(pidPath(), 'utf8')).trim())).toBe(second.pid);
    const health = await second.api('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: 'ok', pid: second.pid });
  });

  test('a second daemon on the same home is refused with a clear message while the first is live', async () => {
    const first = await daemon();
    const second = spawnDaemon({ home: t.home });
    const exit = await second.waitForExit();
    expect(exit.code).not.toBe(0);
    expect(second.output()).toMatch(/already running/);
    expect(second.output()).toContain(t.home);
    // The first one is untouched: same socket, still answering, still its pid file.
    expect(first.running).toBe(true);
    const health = await first.api('GET', '/health');
    expect(health.json).toMatchObject({ pid: first.pid });
    expect(Number((await readFile(pidPath(), 'utf8')).trim())).toBe(first.pid);
  });

  test('socket mode 0600; daemon.pid while running; SIGTERM stops gracefully and removes both', async () => {
    const d = await daemon();
    expect((await stat(socketPath())).mode & 0o777).toBe(0o600);
    expect((await stat(pidPath())).mode & 0o777).toBe(0o600);
    expect(Number((await readFile(pidPath(), 'utf8')).trim())).toBe(d.pid);
    expect((await stat(t.home)).mode & 0o777).toBe(0o700);
    const health = await d.api('GET', '/health');
    expect(health.json).toEqual({
      status: 'ok',
      version: expect.any(String),
      pid: d.pid,
      uptimeSeconds: expect.any(Number),
      queue: { pending: 0, retrying: 0, delivering: 0 },
    });

    const exit = await d.terminate();
    expect(exit.code).toBe(0);
    expect(existsSync(pidPath())).toBe(false);
    expect(existsSync(socketPath())).toBe(false);
    expect(d.stdoutLines.some((l) => /stopped/.test(l))).toBe(true);
  });

  test('SIGTERM lets an attempt in flight finish and records it', async () => {
    const rx = await receiver({ delayMs: 400 });
    const d = await daemon();
    await createWebhook(d.socket, { id: 'wh-slow', url: rx.urlFor('/slow') });
    const { deliveries } = await emitEvent(d.socket, 'entity.created', {});
    const deliveryId = deliveries[0]!.deliveryId;
    await rx.waitForDelivery(deliveryId); // the attempt is in flight: the receiver answers in 400 ms
    expect((await d.terminate()).code).toBe(0);
    expect(rx.forDelivery(deliveryId)[0]!.answeredStatus).toBe(200);
    const { records } = await readJournal(t.home);
    expect(records.filter((r) => r.id === deliveryId && r.t === 'attempt')).toEqual([
      expect.objectContaining({ status: 'succeeded', statusCode: 200, attempt: 1 }),
    ]);
    expect(d.stdoutLines.some((line) => line.includes(deliveryId) && line.includes('attempt 1/4'))).toBe(true);
  });

  test('SIGTERM with a retry pending leaves it on disk; the next daemon delivers it', async () => {
    const rx = await receiver({ failFirst: 1 });
    const first = await daemon({ retryDelays: '1000ms' });
    await createWebhook(first.socket, { id: 'wh-g', url: rx.urlFor('/g') });
    const { deliveries } = await emitEvent(first.socket, 'entity.created', {});
    const deliveryId = deliveries[0]!.deliveryId;
    await waitForDelivery(first.socket, deliveryId, 'retrying');
    expect((await first.terminate()).code).toBe(0);
    expect(rx.forDelivery(deliveryId)).toHaveLength(1);
    const onDisk = await getDeliveryAfterRestart(deliveryId);
    expect(onDisk.status).toBe('succeeded');
    expect(rx.forDelivery(deliveryId).map((r) => r.attempt)).toEqual([1, 2]);
  });
});

async function getDeliveryAfterRestart(deliveryId: string): Promise<DeliveryView> {
  const d = await daemon({ retryDelays: '1000ms' });
  await waitForDelivery(d.socket, deliveryId, 'succeeded');
  return getDelivery(d.socket, deliveryId);
}

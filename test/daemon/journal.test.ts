/**
 * The journal seen through an in-process daemon (`startDaemon`: real journal file, real Unix
 * socket API, an injected transport so the test decides which deliveries succeed, keep failing
 * or hang):
 * - an emission is answered only after its records are written and fsynced (SPEC §4 durability);
 * - compaction (SPEC §4 "the journal stays bounded"): finished deliveries beyond the retention
 *   go, pending work never does.
 */
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Delivery, Retention } from '../../src/core/delivery.js';
import type { DeliveryView } from '../../src/core/views.js';
import { Journal } from '../../src/journal/journal.js';
import type { AttemptReport } from '../../src/daemon/dispatcher.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import type { AttemptRequest, AttemptResult, Transport } from '../../src/daemon/transport.js';
import { makeTempHome, type TempHome } from '../helpers/cli.js';
import { api, createWebhook, emitEvent, getDelivery, homeFiles, pollUntil, Waiters } from '../helpers/daemon.js';

/**
 * A transport whose answers the test controls per host: `ok.test` succeeds, `flaky.test` answers
 * 500 until `flakyHealed`, `slow.test` hangs until `releaseSlow()` (then succeeds at once).
 */
class FakeTransport {
  readonly calls: AttemptRequest[] = [];
  flakyHealed = false;
  private slowReleased = false;
  private readonly hung: Array<() => void> = [];

  readonly send: Transport = async (request): Promise<AttemptResult> => {
    this.calls.push(request);
    const host = new URL(request.url).hostname;
    if (host === 'flaky.test' && !this.flakyHealed) return { statusCode: 500, responseBody: 'still broken' };
    if (host === 'slow.test' && !this.slowReleased) await new Promise<void>((resolve) => this.hung.push(resolve));
    return { statusCode: 200, responseBody: 'ok' };
  };

  get hanging(): number {
    return this.hung.length;
  }

  releaseSlow(): void {
    this.slowReleased = true;
    for (const resolve of this.hung.splice(0)) resolve();
  }

  callsFor(deliveryId: string): AttemptRequest[] {
    return this.calls.filter((c) => c.headers['x-sigma-delivery'] === deliveryId);
  }
}

/** Attempt reports from `onAttempt`, with an event-driven wait. */
class Attempts {
  readonly reports: AttemptReport[] = [];
  private readonly waiters = new Waiters();

  readonly record = (report: AttemptReport): void => {
    this.reports.push(report);
    this.waiters.notify();
  };

  /** Resolves once a report for `deliveryId` with `outcome` has arrived. */
  waitFor(deliveryId: string, outcome: AttemptReport['outcome'], timeoutMs = 10_000): Promise<AttemptReport> {
    return this.waiters.until(
      () => this.reports.find((r) => r.delivery.deliveryId === deliveryId && r.outcome === outcome),
      timeoutMs,
      () => `no ${outcome} attempt of ${deliveryId} within ${timeoutMs} ms`,
    );
  }
}

let temp: TempHome;
let home: string;
const running: RunningDaemon[] = [];
const transports: FakeTransport[] = [];

beforeEach(async () => {
  temp = await makeTempHome();
  home = temp.path;
});
afterEach(async () => {
  for (const t of transports.splice(0)) t.releaseSlow();
  await Promise.all(running.splice(0).map((d) => d.stop()));
  await temp.cleanup();
});

interface Setup {
  retention: Retention;
  compactAfterLines: number;
  retryDelays: number[];
  now?: () => number;
}

async function start(setup: Setup, transport: FakeTransport, attempts: Attempts): Promise<RunningDaemon> {
  const daemon = await startDaemon({
    home,
    retention: setup.retention,
    compactAfterLines: setup.compactAfterLines,
    retryDelays: setup.retryDelays,
    endpointConcurrency: 1,
    shutdownGraceMs: 50,
    transport: transport.send,
    onAttempt: attempts.record,
    ...(setup.now ? { now: setup.now } : {}),
  });
  running.push(daemon);
  return daemon;
}

async function stop(daemon: RunningDaemon): Promise<void> {
  running.splice(running.indexOf(daemon), 1);
  await daemon.stop();
}

async function listIds(socket: string): Promise<Map<string, DeliveryView['status']>> {
  const res = await api(socket, 'GET', '/api/v1/deliveries?limit=10000');
  expect(res.status).toBe(200);
  return new Map((res.json as DeliveryView[]).map((d) => [d.deliveryId, d.status]));
}

async function journalLines(): Promise<string[]> {
  return (await readFile(homeFiles(home).journal, 'utf8')).split('\n').filter((l) => l !== '');
}

/** Creates the three webhooks: entity.created → ok, entity.deleted → flaky, variant.created → slow. */
async function webhooks(socket: string): Promise<void> {
  await createWebhook(socket, { id: 'wh-ok', url: 'http://ok.test/h', events: ['entity.created'] });
  await createWebhook(socket, { id: 'wh-flaky', url: 'http://flaky.test/h', events: ['entity.deleted'] });
  await createWebhook(socket, { id: 'wh-slow', url: 'http://slow.test/h', events: ['variant.created'] });
}

describe('durable acknowledgement', () => {
  test('POST /events answers 202 only once the deliveries are written and fsynced', async () => {
    const transport = new FakeTransport();
    transports.push(transport);
    const daemon = await start(
      { retention: { maxFinished: 100, maxAgeMs: 3_600_000 }, compactAfterLines: 10_000, retryDelays: [50] },
      transport,
      new Attempts(),
    );
    const socket = daemon.paths.socket;
    await webhooks(socket);

    // Hold every fsync of the journal (FileHandle#datasync) until the test lets it go.
    const probe = await open(join(home, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: (this: unknown) => Promise<void> };
    await probe.close();
    const original = proto.datasync;
    const held: Array<() => void> = [];
    proto.datasync = async function (this: unknown) {
      await new Promise<void>((resolve) => held.push(resolve));
      return original.call(this);
    };
    const releaseAll = () => {
      proto.datasync = original;
      for (const resolve of held.splice(0)) resolve();
    };
    try {
      let answered = false;
      const emitted = emitEvent(socket, 'entity.created', { entityId: 'ent_durable' }).then((answer) => {
        answered = true;
        return answer;
      });
      await pollUntil(() => held.length > 0, { what: 'the journal to fsync' });
      // The records are in the file (written, not yet synced)...
      const text = await readFile(homeFiles(home).journal, 'utf8');
      expect(text).toContain('"t":"delivery"');
      // ...and while the fsync is held the daemon answers other requests but not this one.
      const health = await api(socket, 'GET', '/health');
      expect(health.status).toBe(200);
      expect(answered).toBe(false);
      releaseAll();
      const answer = await emitted;
      expect(await readFile(homeFiles(home).journal, 'utf8')).toContain(`"id":"${answer.deliveries[0]!.deliveryId}"`);
    } finally {
      releaseAll();
    }
  });
});

describe('compaction', () => {
  test('drops finished deliveries beyond maxFinished while pending, delivering and retrying ones stay and are delivered', async () => {
    const transport = new FakeTransport();
    transports.push(transport);
    const attempts = new Attempts();
    const setup: Setup = {
      retention: { maxFinished: 5, maxAgeMs: 3_600_000 },
      compactAfterLines: 20,
      retryDelays: [2_000, 2_000, 2_000],
    };
    let daemon = await start(setup, transport, attempts);
    const socket = daemon.paths.socket;
    await webhooks(socket);

    // Unfinished work: one retrying (500 then a 2 s delay), one hung mid-attempt, one queued
    // behind it (endpoint concurrency 1).
    const flaky = (await emitEvent(socket, 'entity.deleted', { entityId: 'ent_flaky' })).deliveries[0]!.deliveryId;
    await attempts.waitFor(flaky, 'retrying');
    const slow1 = (await emitEvent(socket, 'variant.created', { n: 1 })).deliveries[0]!.deliveryId;
    await pollUntil(() => transport.hanging === 1, { what: 'the slow endpoint to hang' });
    const slow2 = (await emitEvent(socket, 'variant.created', { n: 2 })).deliveries[0]!.deliveryId;

    // 30 finished deliveries, one after another: about 120 journal lines, well over compactAfterLines.
    const ok: string[] = [];
    for (let i = 0; i < 30; i++) {
      const id = (await emitEvent(socket, 'entity.created', { n: i })).deliveries[0]!.deliveryId;
      await attempts.waitFor(id, 'succeeded');
      ok.push(id);
    }

    // The file was rewritten: snapshots, and far fewer lines than were appended.
    const lines = await journalLines();
    expect(lines.some((l) => l.startsWith('{"t":"snapshot"'))).toBe(true);
    expect(lines.length).toBeLessThan(4 * 30);

    const listed = await listIds(socket);
    // The oldest finished ones are gone, from the list and from GET by id.
    for (const id of ok.slice(0, 10)) {
      expect(listed.has(id), `${id} should have been compacted away`).toBe(false);
      expect((await api(socket, 'GET', `/api/v1/deliveries/${id}`)).status).toBe(404);
    }
    // The newest maxFinished are always kept.
    for (const id of ok.slice(-5)) expect(listed.get(id)).toBe('succeeded');
    const finishedKept = [...listed.values()].filter((s) => s === 'succeeded').length;
    expect(finishedKept).toBeGreaterThanOrEqual(5);
    expect(finishedKept).toBeLessThan(30);
    // Unfinished work is never compacted away.
    expect(listed.get(flaky)).toBe('retrying');
    expect(listed.get(slow1)).toBe('delivering');
    expect(listed.get(slow2)).toBe('pending');

    // ...and it survives a restart over the compacted file, then gets delivered.
    await stop(daemon);
    transport.flakyHealed = true;
    transport.releaseSlow();
    const callsBefore = transport.callsFor(flaky).length;
    // A fresh recorder: the stopped daemon's released attempt must not count.
    const resumed = new Attempts();
    daemon = await start(setup, transport, resumed);
    const afterRestart = await listIds(daemon.paths.socket);
    for (const id of ok.slice(0, 10)) expect(afterRestart.has(id)).toBe(false);
    for (const id of ok.slice(-5)) expect(afterRestart.get(id)).toBe('succeeded');
    for (const id of [flaky, slow1, slow2]) {
      await resumed.waitFor(id, 'succeeded');
      expect((await getDelivery(daemon.paths.socket, id)).status).toBe('succeeded');
    }
    // The retry carries the same deliveryId and the same body bytes as the first attempt.
    const flakyCalls = transport.callsFor(flaky);
    expect(flakyCalls.length).toBe(callsBefore + 1);
    for (const call of flakyCalls) expect(call.body).toBe(flakyCalls[0]!.body);
    expect(flakyCalls.at(-1)!.headers['x-sigma-attempt']).toBe(String(callsBefore + 1));
    // The interrupted attempt is redone with the same attempt number (at-least-once).
    expect(transport.callsFor(slow1).map((c) => c.headers['x-sigma-attempt'])).toEqual(['1', '1']);
  });

  test('drops finished deliveries older than maxAgeMs; unfinished ones stay however old', async () => {
    const transport = new FakeTransport();
    transports.push(transport);
    const attempts = new Attempts();
    let offset = 0;
    const setup: Setup = {
      retention: { maxFinished: 10_000, maxAgeMs: 60_000 },
      compactAfterLines: 12,
      retryDelays: [1_000, 1_000, 1_000],
      now: () => Date.now() + offset,
    };
    const daemon = await start(setup, transport, attempts);
    const socket = daemon.paths.socket;
    await webhooks(socket);

    const old: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = (await emitEvent(socket, 'entity.created', { n: i })).deliveries[0]!.deliveryId;
      await attempts.waitFor(id, 'succeeded');
      old.push(id);
    }
    const flaky = (await emitEvent(socket, 'entity.deleted', {})).deliveries[0]!.deliveryId;
    await attempts.waitFor(flaky, 'retrying');

    // Two minutes pass on the daemon's clock: the old finished deliveries are now over maxAgeMs.
    offset = 120_000;
    const fresh: string[] = [];
    await pollUntil(
      async () => {
        const id = (await emitEvent(socket, 'entity.created', {})).deliveries[0]!.deliveryId;
        await attempts.waitFor(id, 'succeeded');
        fresh.push(id);
        const listed = await listIds(socket);
        return old.every((x) => !listed.has(x)) || fresh.length >= 20 ? listed : undefined;
      },
      { what: 'a compaction to drop the aged deliveries' },
    );
    const listed = await listIds(socket);
    for (const id of old) expect(listed.has(id), `${id} is older than maxAgeMs`).toBe(false);
    for (const id of fresh) expect(listed.get(id)).toBe('succeeded');
    expect(listed.has(flaky)).toBe(true);
    expect(['retrying', 'delivering']).toContain(listed.get(flaky));

    transport.flakyHealed = true;
    await attempts.waitFor(flaky, 'succeeded');
    expect((await getDelivery(socket, flaky)).status).toBe('succeeded');
  });

  test('records appended while a large rewrite is being written replay to the same state (nothing applied twice)', async () => {
    const path = homeFiles(home).journal;
    const journal = await Journal.open({ path, compactAfterLines: 1_000_000 });
    const iso = () => new Date().toISOString();
    // 40 events of 100 KB: the snapshot is written in several awaited pieces.
    const dataJson = JSON.stringify({ blob: 'x'.repeat(100_000) });
    for (let i = 0; i < 40; i++) {
      await journal.append([
        { t: 'event', eventId: `evt_${i}`, event: 'entity.created', tenant: 'default', timestamp: iso(), dataJson },
        { t: 'delivery', id: `dlv_${i}`, eventId: `evt_${i}`, webhookId: 'wh', createdAt: iso(), due: Date.now() },
      ]);
    }
    await journal.append([
      { t: 'start', id: 'dlv_0', n: 1, at: Date.now() },
      { t: 'attempt', id: 'dlv_0', attempt: 1, startedAt: iso(), durationMs: 1, statusCode: 500, status: 'failed', next: null, at: Date.now() },
    ]);

    // Hold the rewrite at its first awaited write (FileHandle#write; nothing else writes while
    // the journal compacts), change things while it waits, then let it go on.
    const probe = await open(join(home, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (this: unknown, ...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const originalWrite = proto.write;
    const held: Array<() => void> = [];
    proto.write = async function (this: unknown, ...args: unknown[]) {
      await new Promise<void>((resolve) => held.push(resolve));
      return originalWrite.apply(this, args);
    };
    const release = () => {
      proto.write = originalWrite;
      for (const resolve of held.splice(0)) resolve();
    };
    let compaction: Promise<void> = Promise.resolve();
    let late: Promise<void> = Promise.resolve();
    try {
      compaction = journal.compact();
      await pollUntil(() => held.length > 0, { what: 'the rewrite to write its first piece' });
      journal.appendLater([{ t: 'start', id: 'dlv_39', n: 1, at: Date.now() }]);
      journal.appendLater([{ t: 'attempt', id: 'dlv_39', attempt: 1, startedAt: iso(), durationMs: 1, statusCode: 500, status: 'retrying', next: Date.now() + 1000, at: Date.now() }]);
      journal.appendLater([{ t: 'redeliver', id: 'dlv_0', at: Date.now() }]);
      late = journal.append([
        { t: 'event', eventId: 'evt_late', event: 'entity.deleted', tenant: 'default', timestamp: iso(), dataJson: '{}' },
        { t: 'delivery', id: 'dlv_late', eventId: 'evt_late', webhookId: 'wh', createdAt: iso(), due: Date.now() },
        { t: 'start', id: 'dlv_late', n: 1, at: Date.now() },
      ]);
    } finally {
      release();
    }
    await compaction;
    await late;
    journal.appendLater([{ t: 'attempt', id: 'dlv_late', attempt: 1, startedAt: iso(), durationMs: 2, statusCode: 200, status: 'succeeded', next: null, at: Date.now() }]);
    await journal.append([]);
    const inMemory = new Map<string, Delivery>(journal.state.deliveries);
    await journal.close();

    expect(inMemory.get('dlv_39')!.attempts).toHaveLength(1);
    expect(inMemory.get('dlv_0')).toMatchObject({ status: 'pending', chainStart: 1 });
    const reopened = await Journal.open({ path });
    try {
      expect(reopened.state.deliveries.size).toBe(inMemory.size);
      for (const [id, delivery] of inMemory) expect(reopened.delivery(id), id).toEqual(delivery);
    } finally {
      await reopened.close();
    }
  });
});

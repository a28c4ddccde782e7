/**
 * The daemon's socket API as any HTTP client sees it (SPEC §5): `/health`, `POST /events`
 * validation (413, 415, 400 naming the field), idempotency keys, the error shape.
 * One daemon for the file: these requests do not depend on each other's state.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeTempHome, REPO_ROOT, type TempHome } from '../helpers/cli.js';
import {
  createWebhook,
  emitEvent,
  startDaemonProcess,
  stopAllDaemons,
  waitForDelivery,
  type DaemonProcess,
} from '../helpers/daemon.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const VERSION = (JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string }).version;
const EVENTS = ['entity.created', 'entity.updated', 'entity.deleted', 'entity.transition', 'variant.created', 'variant.updated', 'variant.deleted'];
const MiB = 1024 * 1024;

interface ErrorBody {
  error: { code: string; message: string; fields?: Array<{ field: string; message: string }> };
}

let temp: TempHome;
let d: DaemonProcess;
let rx: Receiver;

beforeAll(async () => {
  temp = await makeTempHome();
  rx = await startReceiver();
  d = await startDaemonProcess({ home: temp.path });
  await createWebhook(d.socket, { id: 'wh-api', url: rx.urlFor('/api'), events: ['*'] });
});
afterAll(async () => {
  await stopAllDaemons();
  await rx.close();
  await temp.cleanup();
});

/** Every error is `{error: {code, message}}` as JSON, without a stack trace. */
function expectError(res: { status: number; json: unknown; text: string; headers: Record<string, unknown> }, status: number): ErrorBody {
  expect(res.status, res.text).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = res.json as ErrorBody;
  expect(body.error.code).toEqual(expect.any(String));
  expect(body.error.message).toEqual(expect.any(String));
  expect(res.text).not.toMatch(/\n\s+at /);
  return body;
}

const postEvents = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }, chunked = false) =>
  d.request({ method: 'POST', path: '/events', headers, body, chunked });

describe('GET /health', () => {
  test('answers status, version, pid, uptime and queue counts', async () => {
    const res = await d.api('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      status: 'ok',
      version: VERSION,
      pid: d.pid,
      uptimeSeconds: expect.any(Number),
      queue: { pending: expect.any(Number), retrying: expect.any(Number), delivering: expect.any(Number) },
    });
  });

  test('works for curl-style clients: HTTP/1.1 over the socket, unknown paths are a JSON 404', async () => {
    const res = await d.api('GET', '/nope');
    expectError(res, 404);
  });
});

describe('POST /events', () => {
  test('202 {eventId, deliveries: [{deliveryId, webhookId}]}', async () => {
    const res = await d.api('POST', '/events', { event: 'entity.created', data: { entityId: 'ent_1' } });
    expect(res.status).toBe(202);
    const body = res.json as { eventId: string; deliveries: Array<{ deliveryId: string; webhookId: string }> };
    expect(Object.keys(body).sort()).toEqual(['deliveries', 'eventId']);
    expect(body.eventId).toMatch(/^\S+$/);
    expect(body.deliveries).toEqual([{ deliveryId: expect.any(String), webhookId: 'wh-api' }]);
    await rx.waitForDelivery(body.deliveries[0]!.deliveryId);
  });

  test('a body over 1 MiB is refused with 413, declared or streamed', async () => {
    const big = JSON.stringify({ event: 'entity.created', data: { blob: 'x'.repeat(MiB) } });
    expect(Buffer.byteLength(big)).toBeGreaterThan(MiB);
    // A declared size over the limit is refused from the headers alone, before any body is sent.
    const declared = await d.request({
      method: 'POST',
      path: '/events',
      headers: { 'content-type': 'application/json', 'content-length': String(2 * MiB) },
    });
    expect(expectError(declared, 413).error.message).toMatch(/1 MiB|1048576/);
    // Without a Content-Length (chunked) the daemon counts while reading and stops past 1 MiB.
    const streamed = await postEvents(big, { 'content-type': 'application/json' }, true);
    expectError(streamed, 413);
    // Just under the limit is fine.
    const fits = JSON.stringify({ event: 'entity.created', data: { blob: 'x'.repeat(MiB - 200) } });
    expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(MiB);
    expect((await postEvents(fits)).status).toBe(202);
  });

  test('a body that is not declared JSON is refused with 415', async () => {
    const body = JSON.stringify({ event: 'entity.created' });
    const res = await postEvents(body, { 'content-type': 'text/plain' });
    expect(expectError(res, 415).error.message).toMatch(/application\/json/);
    expectError(await postEvents(body, {}), 415);
  });

  test('bad JSON is a 400 that says so', async () => {
    const res = await postEvents('{"event": "entity.created",');
    expect(expectError(res, 400).error.message).toMatch(/JSON/);
  });

  test('an unknown or missing event is a 400 naming the field `event` and listing the valid ones', async () => {
    const unknown = expectError(await d.api('POST', '/events', { event: 'entity.exploded' }), 400);
    expect(unknown.error.message).toMatch(/^event: /m);
    expect(unknown.error.fields?.map((f) => f.field)).toContain('event');
    for (const name of EVENTS) expect(unknown.error.message).toContain(name);

    const missing = expectError(await d.api('POST', '/events', { data: {} }), 400);
    expect(missing.error.fields?.map((f) => f.field)).toContain('event');

    const badData = expectError(await d.api('POST', '/events', { event: 'entity.created', data: [1, 2] }), 400);
    expect(badData.error.fields?.map((f) => f.field)).toContain('data');
  });

  test('nothing is delivered for a refused emission, and the daemon keeps serving', async () => {
    const before = rx.requests.length;
    await d.api('POST', '/events', { event: 'nope.nope' });
    await postEvents('not json');
    const ok = await emitEvent(d.socket, 'variant.deleted', { variantId: 'var_1' });
    await rx.waitForDelivery(ok.deliveries[0]!.deliveryId);
    expect(rx.requests.slice(before).map((r) => r.event)).toEqual(['variant.deleted']);
  });

  test('an idempotencyKey seen before returns the first answer and delivers nothing new', async () => {
    const first = await emitEvent(d.socket, 'entity.deleted', { entityId: 'ent_idem' }, { idempotencyKey: 'key-123' });
    await waitForDelivery(d.socket, first.deliveries[0]!.deliveryId, 'succeeded');
    const again = await emitEvent(d.socket, 'entity.deleted', { entityId: 'ent_other' }, { idempotencyKey: 'key-123' });
    expect(again).toEqual(first);
    // A new key is a new event; its delivery is the barrier for "nothing new" of the repeat.
    const fresh = await emitEvent(d.socket, 'entity.deleted', {}, { idempotencyKey: 'key-456' });
    expect(fresh.eventId).not.toBe(first.eventId);
    await rx.waitForDelivery(fresh.deliveries[0]!.deliveryId);
    expect(rx.requests.filter((r) => r.json<{ eventId: string }>().eventId === first.eventId)).toHaveLength(1);
  });

  test('the tenant comes from X-Sigma-Tenant: a tenant without webhooks gets an event and no deliveries', async () => {
    const res = await d.api('POST', '/events', { event: 'entity.created' }, { tenant: 'empty-tenant' });
    expect(res.status).toBe(202);
    expect((res.json as { deliveries: unknown[] }).deliveries).toEqual([]);
  });
});

describe('GET /api/v1/deliveries', () => {
  test('validates its filters, naming the field', async () => {
    const status = expectError(await d.api('GET', '/api/v1/deliveries?status=exploded'), 400);
    expect(status.error.message).toMatch(/status/);
    const limit = expectError(await d.api('GET', '/api/v1/deliveries?limit=0'), 400);
    expect(limit.error.message).toMatch(/limit/);
    expectError(await d.api('GET', '/api/v1/deliveries/dlv_does_not_exist'), 404);
  });
});

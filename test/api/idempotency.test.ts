/**
 * Idempotent emission (SPEC §5): an idempotencyKey seen in the last 24 h returns the first answer
 * again and delivers nothing new — also after the daemon restarts, and per tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmitAnswer } from '../../src/core/delivery.js';
import type { DeliveryView } from '../../src/core/views.js';
import { makeTempHome, runCliJson, type TempHome } from '../helpers/cli.js';
import { pollUntil, startDaemonProcess, type DaemonProcess } from '../helpers/daemon.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

let home: TempHome;
let daemon: DaemonProcess;
let receiver: Receiver;

/** Receiver requests for one webhook. */
const requestsFor = (webhookId: string) => receiver.requests.filter((r) => r.webhookId === webhookId);

async function emit(body: Record<string, unknown>, tenant?: string): Promise<EmitAnswer> {
  const res = await daemon.api('POST', '/events', body, tenant ? { tenant } : {});
  expect(res.status, res.text).toBe(202);
  return res.json as EmitAnswer;
}

async function deliveriesOf(webhookId: string, tenant = 'default'): Promise<DeliveryView[]> {
  const res = await daemon.api('GET', `/api/v1/deliveries?webhookId=${webhookId}`, undefined, { tenant });
  expect(res.status).toBe(200);
  return res.json as DeliveryView[];
}

/**
 * Emits an unkeyed "barrier" event to `webhookId` and waits until the receiver has it and the
 * daemon has nothing queued: any delivery an earlier request had created would have arrived by then.
 */
async function settle(webhookId: string, tenant?: string): Promise<void> {
  const barrier = await emit({ event: 'entity.deleted', data: { barrier: true } }, tenant);
  const id = barrier.deliveries.find((d) => d.webhookId === webhookId)!.deliveryId;
  await receiver.waitForDelivery(id);
  await pollUntil(async () => {
    const health = (await daemon.api('GET', '/health')).json as { queue: { pending: number; retrying: number; delivering: number } };
    return health.queue.pending + health.queue.retrying + health.queue.delivering === 0;
  }, { what: 'an empty queue' });
}

beforeAll(async () => {
  home = await makeTempHome('sigma-api-idem-');
  receiver = await startReceiver();
  daemon = await startDaemonProcess({ home: home.path, timeout: null });
  for (const [tenant, id] of [['default', 'idem-hook'], ['acme', 'idem-acme']] as const) {
    const res = await daemon.api('POST', '/api/v1/webhooks', { id, name: id, url: receiver.urlFor('/idem'), events: ['*'] }, { tenant });
    expect(res.status).toBe(201);
  }
});

afterAll(async () => {
  await daemon?.terminate();
  await receiver?.close();
  await home?.cleanup();
});

describe('POST /events with an idempotencyKey', () => {
  let first: EmitAnswer;

  it('the same key twice gives the same answer and one delivery', async () => {
    first = await emit({ event: 'entity.created', data: { entityId: 'ent_1' }, idempotencyKey: 'order-1' });
    expect(first.deliveries).toHaveLength(1);
    const second = await emit({ event: 'entity.created', data: { entityId: 'ent_1' }, idempotencyKey: 'order-1' });
    expect(second).toEqual(first);
    await settle('idem-hook');
    expect(requestsFor('idem-hook').filter((r) => r.headers['x-sigma-event'] === 'entity.created')).toHaveLength(1);
    const stored = await deliveriesOf('idem-hook');
    expect(stored.filter((d) => d.deliveryId === first.deliveries[0]!.deliveryId)).toHaveLength(1);
    expect(stored).toHaveLength(2); // the delivery and the barrier
  });

  it('the first answer wins even when the repeat carries another event or data', async () => {
    const again = await emit({ event: 'variant.updated', data: { other: 1 }, idempotencyKey: 'order-1' });
    expect(again).toEqual(first);
    await settle('idem-hook');
    expect(requestsFor('idem-hook').filter((r) => r.headers['x-sigma-event'] === 'variant.updated')).toHaveLength(0);
  });

  it('concurrent requests with one new key share one answer and one delivery', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => emit({ event: 'variant.created', idempotencyKey: 'burst-1' })));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    await settle('idem-hook');
    expect(requestsFor('idem-hook').filter((r) => r.headers['x-sigma-event'] === 'variant.created')).toHaveLength(1);
  });

  it('another key, or no key, delivers again', async () => {
    const other = await emit({ event: 'entity.created', data: { entityId: 'ent_1' }, idempotencyKey: 'order-2' });
    expect(other.eventId).not.toBe(first.eventId);
    const none1 = await emit({ event: 'entity.created' });
    const none2 = await emit({ event: 'entity.created' });
    expect(none1.eventId).not.toBe(none2.eventId);
    await settle('idem-hook');
    expect(requestsFor('idem-hook').filter((r) => r.headers['x-sigma-event'] === 'entity.created')).toHaveLength(4);
  });

  it('tenants are independent: the same key in another tenant is a new event', async () => {
    const acme = await emit({ event: 'entity.created', data: { entityId: 'ent_1' }, idempotencyKey: 'order-1' }, 'acme');
    expect(acme.eventId).not.toBe(first.eventId);
    expect(acme.deliveries.map((d) => d.webhookId)).toEqual(['idem-acme']);
    const acmeAgain = await emit({ event: 'entity.created', idempotencyKey: 'order-1' }, 'acme');
    expect(acmeAgain).toEqual(acme);
    // The tenant named in the body counts, not only the header.
    const viaBody = await emit({ event: 'entity.created', idempotencyKey: 'order-1', tenant: 'acme' });
    expect(viaBody).toEqual(acme);
    await settle('idem-acme', 'acme');
    expect(requestsFor('idem-acme').filter((r) => r.headers['x-sigma-event'] === 'entity.created')).toHaveLength(1);
    // And the default tenant's key still answers with its own first answer.
    expect(await emit({ event: 'entity.created', idempotencyKey: 'order-1' })).toEqual(first);
  });

  it('keys survive a restart: after SIGTERM and a new daemon on the same home, the first answer comes back', async () => {
    const before = requestsFor('idem-hook').length;
    const storedBefore = (await deliveriesOf('idem-hook')).length;
    expect((await daemon.terminate()).code).toBe(0);
    daemon = await startDaemonProcess({ home: home.path, timeout: null });
    const again = await emit({ event: 'entity.created', data: { entityId: 'ent_1' }, idempotencyKey: 'order-1' });
    expect(again).toEqual(first);
    const acme = await emit({ event: 'entity.created', idempotencyKey: 'order-1' }, 'acme');
    expect(acme.eventId).not.toBe(first.eventId);
    expect(acme.deliveries.map((d) => d.webhookId)).toEqual(['idem-acme']);
    await settle('idem-hook');
    expect(requestsFor('idem-hook').length).toBe(before + 1); // only the barrier
    expect((await deliveriesOf('idem-hook')).length).toBe(storedBefore + 1);
  });
});

describe('emit --idempotency-key', () => {
  it('twice gives the same eventId and deliveries; another key gives a new one', async () => {
    const run = (key: string) => runCliJson<EmitAnswer>(['emit', 'entity.transition', '--idempotency-key', key, '--json'], { home: home.path });
    const a = await run('cli-key-1');
    expect(a.code, a.stderr).toBe(0);
    const b = await run('cli-key-1');
    expect(b.code, b.stderr).toBe(0);
    expect(b.json.eventId).toBe(a.json.eventId);
    expect(b.json.deliveries).toEqual(a.json.deliveries);
    const c = await run('cli-key-2');
    expect(c.json.eventId).not.toBe(a.json.eventId);
    await settle('idem-hook');
    expect(requestsFor('idem-hook').filter((r) => r.headers['x-sigma-event'] === 'entity.transition')).toHaveLength(2);
  });

  it('the CLI and the API share keys', async () => {
    const api = await emit({ event: 'entity.transition', idempotencyKey: 'shared-key' });
    const cli = await runCliJson<EmitAnswer>(['emit', 'entity.transition', '--idempotency-key', 'shared-key', '--json'], { home: home.path });
    expect(cli.json).toEqual(api);
  });
});

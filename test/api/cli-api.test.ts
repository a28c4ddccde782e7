/**
 * The CLI and the REST API share one store: a change made by either is seen by the other at
 * once, and a webhook made with the CLI receives what is emitted through the API — no restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import type { EmitAnswer } from '../../src/core/delivery.js';
import type { DeliveryView } from '../../src/core/views.js';
import type { PublicWebhook } from '../../src/core/webhook.js';
import { makeTempHome, runCli, runCliJson, type TempHome } from '../helpers/cli.js';
import { MASK } from '../helpers/api.js';
import { pollUntil, startDaemonProcess, type DaemonProcess } from '../helpers/daemon.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const SECRET = 'whsec_cli_api_shared_secret_42';

let home: TempHome;
let daemon: DaemonProcess;
let receiver: Receiver;
let hookUrl: string;

beforeAll(async () => {
  home = await makeTempHome('sigma-api-cli-');
  receiver = await startReceiver();
  hookUrl = receiver.urlFor('/cli');
  daemon = await startDaemonProcess({ home: home.path, timeout: null });
});

afterAll(async () => {
  await daemon?.terminate();
  await receiver?.close();
  await home?.cleanup();
});

const cli = (args: string[]) => runCli(args, { home: home.path });
const cliJson = <T>(args: string[]) => runCliJson<T>(args, { home: home.path });

describe('CLI and API see each other', () => {
  it('a webhook created through the API is listed by the CLI at once (masked), and get --show-secret shows it', async () => {
    const res = await daemon.api('POST', '/api/v1/webhooks', { id: 'api-made', name: 'From the API', url: hookUrl, events: ['entity.created'], secret: SECRET });
    expect(res.status).toBe(201);
    const list = await cliJson<PublicWebhook[]>(['list', '--json']);
    expect(list.code).toBe(0);
    const found = list.json.find((w) => w.id === 'api-made');
    expect(found).toMatchObject({ name: 'From the API', url: hookUrl, events: ['entity.created'], secret: MASK, active: true });
    const shown = await cliJson<PublicWebhook>(['get', 'api-made', '--show-secret', '--json']);
    expect(shown.json.secret).toBe(SECRET);
  });

  it('an update made with the CLI is what the API returns next', async () => {
    const updated = await cli(['update', 'api-made', '--name', 'Renamed by CLI', '--add-events', 'variant.deleted', '--description', 'via cli', '--active', 'false']);
    expect(updated.code, updated.stderr).toBe(0);
    const res = await daemon.api('GET', '/api/v1/webhooks/api-made');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      name: 'Renamed by CLI', events: ['entity.created', 'variant.deleted'], description: 'via cli', active: false, secret: MASK,
    });
    expect((await cli(['enable', 'api-made'])).code).toBe(0);
    expect(((await daemon.api('GET', '/api/v1/webhooks/api-made')).json as PublicWebhook).active).toBe(true);
  });

  it('an API PUT is what the CLI shows next; deleting on either side is seen by the other', async () => {
    const put = await daemon.api('PUT', '/api/v1/webhooks/api-made', { name: 'Put by API', url: 'https://example.com/put', events: ['*'], active: true, secret: MASK });
    expect(put.status).toBe(200);
    const shown = await cliJson<PublicWebhook>(['get', 'api-made', '--show-secret', '--json']);
    expect(shown.json).toMatchObject({ name: 'Put by API', url: 'https://example.com/put', events: ['*'], secret: SECRET, description: null });

    expect((await cli(['delete', 'api-made', '--yes'])).code).toBe(0);
    expect((await daemon.api('GET', '/api/v1/webhooks/api-made')).status).toBe(404);

    expect((await cli(['create', '--id', 'cli-made-gone', '--name', 'Gone soon', '--url', hookUrl, '--events', '*'])).code).toBe(0);
    expect((await daemon.api('DELETE', '/api/v1/webhooks/cli-made-gone')).status).toBe(204);
    const get = await cli(['get', 'cli-made-gone', '--json']);
    expect(get.code).not.toBe(0);
    expect(get.stderr).toContain('cli-made-gone');
    const list = await cliJson<PublicWebhook[]>(['list', '--json']);
    expect(list.json.map((w) => w.id)).not.toContain('cli-made-gone');
  });

  it('tenants line up: --tenant on the CLI is X-Sigma-Tenant on the API', async () => {
    expect((await cli(['--tenant', 'acme', 'create', '--id', 'acme-hook', '--name', 'Acme', '--url', hookUrl, '--events', 'entity.*'])).code).toBe(0);
    const acme = await daemon.api('GET', '/api/v1/webhooks', undefined, { tenant: 'acme' });
    expect((acme.json as PublicWebhook[]).map((w) => w.id)).toEqual(['acme-hook']);
    expect((await daemon.api('GET', '/api/v1/webhooks/acme-hook')).status).toBe(404);
    expect((await daemon.api('POST', '/api/v1/webhooks', { id: 'acme-api', name: 'Acme API', url: hookUrl, events: ['*'] }, { tenant: 'acme' })).status).toBe(201);
    const cliAcme = await cliJson<PublicWebhook[]>(['--tenant', 'acme', 'list', '--json']);
    expect(cliAcme.json.map((w) => w.id).sort()).toEqual(['acme-api', 'acme-hook']);
    const cliDefault = await cliJson<PublicWebhook[]>(['list', '--json']);
    expect(cliDefault.json.map((w) => w.id)).not.toContain('acme-api');
  });
});

describe('a CLI-made webhook and events emitted through the API', () => {
  it('receives a signed delivery for an event POSTed to /events, and stops once disabled with the CLI', async () => {
    const created = await cli(['create', '--id', 'cli-made', '--name', 'CLI made', '--url', hookUrl, '--events', 'entity.updated', '--secret', SECRET]);
    expect(created.code, created.stderr).toBe(0);

    const emitted = await daemon.api('POST', '/events', { event: 'entity.updated', data: { entityId: 'ent_7', entityType: 'product', changes: { name: { old: 'a', new: 'b' } } } });
    expect(emitted.status).toBe(202);
    const answer = emitted.json as EmitAnswer;
    expect(answer.deliveries).toEqual([{ deliveryId: expect.any(String), webhookId: 'cli-made' }]);
    const deliveryId = answer.deliveries[0]!.deliveryId;

    const [got] = await receiver.waitForDelivery(deliveryId);
    expect(got!.headers['x-sigma-webhook']).toBe('cli-made');
    expect(got!.headers['x-sigma-event']).toBe('entity.updated');
    expect(got!.headers['x-sigma-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(got!.body).digest('hex')}`);
    const body = JSON.parse(got!.body.toString('utf8')) as Record<string, unknown>;
    expect(body).toMatchObject({ deliveryId, eventId: answer.eventId, event: 'entity.updated', webhookId: 'cli-made', tenant: 'default', data: { entityId: 'ent_7' } });

    // The CLI's `deliveries` sees the delivery the API emitted.
    const shown = await pollUntil(async () => {
      const r = await cliJson<DeliveryView>(['deliveries', 'show', deliveryId, '--json']);
      return r.json.status === 'succeeded' ? r.json : undefined;
    }, { what: 'the delivery to succeed' });
    expect(shown.webhookId).toBe('cli-made');

    expect((await cli(['disable', 'cli-made'])).code).toBe(0);
    const after = await daemon.api('POST', '/events', { event: 'entity.updated', data: { entityId: 'ent_8' } });
    expect(after.status).toBe(202);
    expect((after.json as EmitAnswer).deliveries).toEqual([]);
  });

  it('an event emitted with the CLI reaches a webhook created through the API', async () => {
    expect((await daemon.api('POST', '/api/v1/webhooks', { id: 'api-for-cli-emit', name: 'API made', url: hookUrl, events: ['variant.created'] })).status).toBe(201);
    const emitted = await cliJson<EmitAnswer>(['emit', 'variant.created', '--json']);
    expect(emitted.code, emitted.stderr).toBe(0);
    expect(emitted.json.deliveries.map((d) => d.webhookId)).toEqual(['api-for-cli-emit']);
    const deliveryId = emitted.json.deliveries[0]!.deliveryId;
    await receiver.waitForDelivery(deliveryId);
    const view = await daemon.api('GET', `/api/v1/deliveries/${deliveryId}`);
    expect((view.json as DeliveryView).eventId).toBe(emitted.json.eventId);
  });
});

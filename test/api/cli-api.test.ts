/**
 * The CLI and the REST API share one store: a change made by either is seen by the other at
 * once, and a webhook made with the CLI receives what is emitted through the API — no restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { makeTempHome, runCli, runCliJson, type TempHome } from '../helpers/cli.js';
import { MASK, startDaemon, startReceiver, waitFor, type DaemonProcess, type TestReceiver } from '../helpers/api.js';

const SECRET = 'whsec_cli_api_shared_secret_42';

interface PublicWebhook {
  id: string;
  name: string;
  url: string;
  events: string[];
  secret: string | null;
  active: boolean;
  description: string | null;
}

let home: TempHome;
let daemon: DaemonProcess;
let receiver: TestReceiver;

beforeAll(async () => {
  home = await makeTempHome('sigma-api-cli-');
  receiver = await startReceiver('/cli');
  daemon = await startDaemon(home.path);
});

afterAll(async () => {
  await daemon?.stop();
  await receiver?.close();
  await home?.cleanup();
});

const cli = (args: string[]) => runCli(args, { home: home.path });
const cliJson = <T>(args: string[]) => runCliJson<T>(args, { home: home.path });

describe('CLI and API see each other', () => {
  it('a webhook created through the API is listed by the CLI at once (masked), and get --show-secret shows it', async () => {
    const res = await daemon.request('POST', '/api/v1/webhooks', {
      json: { id: 'api-made', name: 'From the API', url: receiver.url, events: ['entity.created'], secret: SECRET },
    });
    expect(res.status).toBe(201);
    const list = await cliJson<PublicWebhook[]>(['list', '--json']);
    expect(list.code).toBe(0);
    const found = list.json.find((w) => w.id === 'api-made');
    expect(found).toMatchObject({ name: 'From the API', url: receiver.url, events: ['entity.created'], secret: MASK, active: true });
    const shown = await cliJson<PublicWebhook>(['get', 'api-made', '--show-secret', '--json']);
    expect(shown.json.secret).toBe(SECRET);
  });

  it('an update made with the CLI is what the API returns next', async () => {
    const updated = await cli(['update', 'api-made', '--name', 'Renamed by CLI', '--add-events', 'variant.deleted', '--description', 'via cli', '--active', 'false']);
    expect(updated.code, updated.stderr).toBe(0);
    const res = await daemon.request('GET', '/api/v1/webhooks/api-made');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      name: 'Renamed by CLI', events: ['entity.created', 'variant.deleted'], description: 'via cli', active: false, secret: MASK,
    });
    expect((await cli(['enable', 'api-made'])).code).toBe(0);
    expect(((await daemon.request('GET', '/api/v1/webhooks/api-made')).json as PublicWebhook).active).toBe(true);
  });

  it('an API PUT is what the CLI shows next; deleting on either side is seen by the other', async () => {
    const put = await daemon.request('PUT', '/api/v1/webhooks/api-made', {
      json: { name: 'Put by API', url: 'https://example.com/put', events: ['*'], active: true, secret: MASK },
    });
    expect(put.status).toBe(200);
    const shown = await cliJson<PublicWebhook>(['get', 'api-made', '--show-secret', '--json']);
    expect(shown.json).toMatchObject({ name: 'Put by API', url: 'https://example.com/put', events: ['*'], secret: SECRET, description: null });

    expect((await cli(['delete', 'api-made', '--yes'])).code).toBe(0);
    expect((await daemon.request('GET', '/api/v1/webhooks/api-made')).status).toBe(404);

    expect((await cli(['create', '--id', 'cli-made-gone', '--name', 'Gone soon', '--url', receiver.url, '--events', '*'])).code).toBe(0);
    expect((await daemon.request('DELETE', '/api/v1/webhooks/cli-made-gone')).status).toBe(204);
    const get = await cli(['get', 'cli-made-gone', '--json']);
    expect(get.code).not.toBe(0);
    expect(get.stderr).toContain('cli-made-gone');
    const list = await cliJson<PublicWebhook[]>(['list', '--json']);
    expect(list.json.map((w) => w.id)).not.toContain('cli-made-gone');
  });

  it('tenants line up: --tenant on the CLI is X-Sigma-Tenant on the API', async () => {
    expect((await cli(['--tenant', 'acme', 'create', '--id', 'acme-hook', '--name', 'Acme', '--url', receiver.url, '--events', 'entity.*'])).code).toBe(0);
    const acme = await daemon.request('GET', '/api/v1/webhooks', { headers: { 'x-sigma-tenant': 'acme' } });
    expect((acme.json as PublicWebhook[]).map((w) => w.id)).toEqual(['acme-hook']);
    expect((await daemon.request('GET', '/api/v1/webhooks/acme-hook')).status).toBe(404);
    expect((await daemon.request('POST', '/api/v1/webhooks', {
      json: { id: 'acme-api', name: 'Acme API', url: receiver.url, events: ['*'] }, headers: { 'x-sigma-tenant': 'acme' },
    })).status).toBe(201);
    const cliAcme = await cliJson<PublicWebhook[]>(['--tenant', 'acme', 'list', '--json']);
    expect(cliAcme.json.map((w) => w.id).sort()).toEqual(['acme-api', 'acme-hook']);
    const cliDefault = await cliJson<PublicWebhook[]>(['list', '--json']);
    expect(cliDefault.json.map((w) => w.id)).not.toContain('acme-api');
  });
});

describe('a CLI-made webhook and events emitted through the API', () => {
  it('receives a signed delivery for an event POSTed to /events, and stops once disabled with the CLI', async () => {
    const created = await cli(['create', '--id', 'cli-made', '--name', 'CLI made', '--url', receiver.url, '--events', 'entity.updated', '--secret', SECRET]);
    expect(created.code, created.stderr).toBe(0);

    const emitted = await daemon.request('POST', '/events', { json: { event: 'entity.updated', data: { entityId: 'ent_7', entityType: 'product', changes: { name: { old: 'a', new: 'b' } } } } });
    expect(emitted.status).toBe(202);
    const answer = emitted.json as { eventId: string; deliveries: Array<{ deliveryId: string; webhookId: string }> };
    expect(answer.deliveries).toEqual([{ deliveryId: expect.any(String), webhookId: 'cli-made' }]);
    const deliveryId = answer.deliveries[0]!.deliveryId;

    const [got] = await waitFor('the delivery at the receiver', () => {
      const matching = receiver.requests.filter((r) => r.headers['x-sigma-delivery'] === deliveryId);
      return matching.length > 0 ? matching : undefined;
    });
    expect(got!.headers['x-sigma-webhook']).toBe('cli-made');
    expect(got!.headers['x-sigma-event']).toBe('entity.updated');
    expect(got!.headers['x-sigma-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(got!.raw).digest('hex')}`);
    const body = JSON.parse(got!.raw.toString('utf8')) as Record<string, unknown>;
    expect(body).toMatchObject({ deliveryId, eventId: answer.eventId, event: 'entity.updated', webhookId: 'cli-made', tenant: 'default', data: { entityId: 'ent_7' } });

    // The CLI's `deliveries` sees the delivery the API emitted.
    const shown = await waitFor('the delivery to succeed', async () => {
      const r = await cliJson<{ status: string; webhookId: string }>(['deliveries', 'show', deliveryId, '--json']);
      return r.json.status === 'succeeded' ? r.json : undefined;
    });
    expect(shown.webhookId).toBe('cli-made');

    expect((await cli(['disable', 'cli-made'])).code).toBe(0);
    const after = await daemon.request('POST', '/events', { json: { event: 'entity.updated', data: { entityId: 'ent_8' } } });
    expect(after.status).toBe(202);
    expect((after.json as { deliveries: unknown[] }).deliveries).toEqual([]);
  });

  it('an event emitted with the CLI reaches a webhook created through the API', async () => {
    expect((await daemon.request('POST', '/api/v1/webhooks', {
      json: { id: 'api-for-cli-emit', name: 'API made', url: receiver.url, events: ['variant.created'] },
    })).status).toBe(201);
    const emitted = await cliJson<{ eventId: string; deliveries: Array<{ deliveryId: string; webhookId: string }> }>(['emit', 'variant.created', '--json']);
    expect(emitted.code, emitted.stderr).toBe(0);
    expect(emitted.json.deliveries.map((d) => d.webhookId)).toEqual(['api-for-cli-emit']);
    const deliveryId = emitted.json.deliveries[0]!.deliveryId;
    await waitFor('the CLI-emitted delivery at the receiver', () => receiver.requests.some((r) => r.headers['x-sigma-delivery'] === deliveryId));
    const view = await daemon.request('GET', `/api/v1/deliveries/${deliveryId}`);
    expect((view.json as { eventId: string }).eventId).toBe(emitted.json.eventId);
  });
});

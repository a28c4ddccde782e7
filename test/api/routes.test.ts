/**
 * Every route of the daemon's HTTP API (SPEC §5), spoken raw over the Unix socket of a real
 * daemon process: status codes, headers, the one error shape, masked secrets, tenant isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryStatus, EmitAnswer } from '../../src/core/delivery.js';
import type { DeliveryView } from '../../src/core/views.js';
import type { PublicWebhook } from '../../src/core/webhook.js';
import { runCliJson, makeTempHome, type TempHome } from '../helpers/cli.js';
import { MASK, errorOf } from '../helpers/api.js';
import { pollUntil, startDaemonProcess, type DaemonProcess, type SocketRequest, type SocketResponse } from '../helpers/daemon.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const SECRET = 'whsec_routes_test_secret_0123456789';
const OTHER_SECRET = 'whsec_a_different_secret_9876543210';

let home: TempHome;
let daemon: DaemonProcess;
let okReceiver: Receiver;
let failReceiver: Receiver;
let okUrl: string;
/** Every response body seen, to check no secret ever leaves the daemon. */
const seen: string[] = [];

/** `json` is sent as JSON (content-type application/json); a raw `body` is sent as is. */
interface CallOptions extends Omit<SocketRequest, 'method' | 'path'> {
  json?: unknown;
}

async function call(method: string, path: string, options: CallOptions = {}): Promise<SocketResponse> {
  const { json, ...raw } = options;
  const res = json === undefined
    ? await daemon.request({ method, path, ...raw })
    : await daemon.api(method, path, json, raw.headers === undefined ? {} : { headers: raw.headers });
  seen.push(res.text);
  return res;
}

function webhookBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Routes test',
    url: okUrl,
    events: ['entity.created'],
    secret: SECRET,
    active: true,
    ...overrides,
  };
}

function fieldsOf(res: SocketResponse): string[] {
  return (errorOf(res).fields ?? []).map((f) => f.field).sort();
}

async function storedSecret(id: string, tenant = 'default'): Promise<string | null> {
  const { json, code } = await runCliJson<PublicWebhook>(['--tenant', tenant, 'get', id, '--show-secret', '--json'], { home: home.path });
  expect(code).toBe(0);
  return json.secret;
}

beforeAll(async () => {
  home = await makeTempHome('sigma-api-routes-');
  okReceiver = await startReceiver();
  okUrl = okReceiver.urlFor('/ok');
  failReceiver = await startReceiver({ status: 500 });
  daemon = await startDaemonProcess({ home: home.path, timeout: null });
});

afterAll(async () => {
  await daemon?.terminate();
  await okReceiver?.close();
  await failReceiver?.close();
  await home?.cleanup();
});

describe('GET /health', () => {
  it('answers 200 with status, version, pid, uptime and queue counts', async () => {
    const res = await call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', pid: daemon.pid });
    expect(typeof body.version).toBe('string');
    expect(typeof body.uptimeSeconds).toBe('number');
    expect(body.queue).toEqual({ pending: expect.any(Number), retrying: expect.any(Number), delivering: expect.any(Number) });
  });
});

describe('/api/v1/webhooks', () => {
  it('POST creates with the given id: 201, Location header, secret masked, no tenant field', async () => {
    const res = await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-create-1', description: 'first' }) });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe('/api/v1/webhooks/wh-create-1');
    const body = res.json as PublicWebhook & { tenant?: unknown };
    expect(body).toMatchObject({ id: 'wh-create-1', name: 'Routes test', description: 'first', url: okUrl, events: ['entity.created'], secret: MASK, active: true });
    expect(body.tenant).toBeUndefined();
    expect(Date.parse(body.createdAt)).not.toBeNaN();
    expect(body.updatedAt).toBe(body.createdAt);
    expect(await storedSecret('wh-create-1')).toBe(SECRET);
  });

  it('POST without an id generates a wh_ id; an unset secret shows as null; events are deduplicated', async () => {
    const res = await call('POST', '/api/v1/webhooks', {
      json: { name: 'Generated', url: 'https://example.com/hooks', events: ['entity.created', 'entity.created', 'variant.*'] },
    });
    expect(res.status).toBe(201);
    const body = res.json as PublicWebhook;
    expect(body.id).toMatch(/^wh_[A-Za-z0-9]+$/);
    expect(res.headers.location).toBe(`/api/v1/webhooks/${body.id}`);
    expect(body.secret).toBeNull();
    expect(body.active).toBe(true);
    expect(body.events).toEqual(['entity.created', 'variant.*']);
    const got = await call('GET', res.headers.location!);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(body);
  });

  it('GET lists the webhooks with every secret masked or null', async () => {
    await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-list-secret' }) });
    await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-list-nosecret', secret: null }) });
    const res = await call('GET', '/api/v1/webhooks');
    expect(res.status).toBe(200);
    const list = res.json as PublicWebhook[];
    expect(Array.isArray(list)).toBe(true);
    const ids = list.map((w) => w.id);
    expect(ids).toEqual(expect.arrayContaining(['wh-list-secret', 'wh-list-nosecret']));
    for (const w of list) expect([MASK, null]).toContain(w.secret);
    expect(list.find((w) => w.id === 'wh-list-secret')!.secret).toBe(MASK);
    expect(list.find((w) => w.id === 'wh-list-nosecret')!.secret).toBeNull();
  });

  it('GET one: 200 masked; unknown id 404 with the error shape', async () => {
    await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-get-1' }) });
    const res = await call('GET', '/api/v1/webhooks/wh-get-1');
    expect(res.status).toBe(200);
    expect((res.json as PublicWebhook).secret).toBe(MASK);
    const missing = await call('GET', '/api/v1/webhooks/no-such-webhook');
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('not_found');
    expect(errorOf(missing).message).toContain('no-such-webhook');
  });

  it('POST with a duplicate id in the same tenant is 409 and leaves the first one as it was', async () => {
    expect((await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-dup', name: 'First' }) })).status).toBe(201);
    const res = await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-dup', name: 'Second' }) });
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('conflict');
    expect(errorOf(res).message).toContain('wh-dup');
    expect(((await call('GET', '/api/v1/webhooks/wh-dup')).json as PublicWebhook).name).toBe('First');
  });

  it('POST with wrong types is 400 naming every bad field, and creates nothing', async () => {
    const res = await call('POST', '/api/v1/webhooks', {
      json: { id: 'wh-bad-types', name: 42, url: 'ftp://example.com/x', events: 'entity.created', secret: 'short', active: 'yes', description: 7, colour: 'red' },
    });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('validation_failed');
    expect(fieldsOf(res)).toEqual(['active', 'colour', 'description', 'events', 'name', 'secret', 'url']);
    for (const field of ['name', 'url', 'events', 'secret', 'active', 'description']) expect(errorOf(res).message).toContain(`${field}:`);
    expect((await call('GET', '/api/v1/webhooks/wh-bad-types')).status).toBe(404);
  });

  it('POST names each missing required field, a bad event, a bad id and a non-object body', async () => {
    const missing = await call('POST', '/api/v1/webhooks', { json: {} });
    expect(missing.status).toBe(400);
    expect(fieldsOf(missing)).toEqual(['events', 'name', 'url']);

    const badEvent = await call('POST', '/api/v1/webhooks', { json: webhookBody({ events: ['entity.created', 'entity.exploded'] }) });
    expect(badEvent.status).toBe(400);
    expect(fieldsOf(badEvent)).toEqual(['events[1]']);
    expect(errorOf(badEvent).message).toContain('entity.exploded');

    const badId = await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: '-starts-with-dash' }) });
    expect(badId.status).toBe(400);
    expect(fieldsOf(badId)).toEqual(['id']);

    for (const body of ['[]', 'null', '42', '"text"']) {
      const res = await call('POST', '/api/v1/webhooks', { body, headers: { 'content-type': 'application/json' } });
      expect(res.status, body).toBe(400);
      expect(fieldsOf(res), body).toEqual(['body']);
    }
    const empty = await call('POST', '/api/v1/webhooks', { headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(400);
    expect(fieldsOf(empty)).toEqual(['body']);
  });

  it('malformed JSON is 400 invalid_request naming the body', async () => {
    for (const body of ['{"name":', '{name: "x"}', '{"a":1}}', '\u0000']) {
      const res = await call('POST', '/api/v1/webhooks', { body, headers: { 'content-type': 'application/json' } });
      expect(res.status, body).toBe(400);
      expect(errorOf(res).code).toBe('invalid_request');
      expect(errorOf(res).message).toMatch(/^body: not valid JSON/);
    }
  });

  it('a non-JSON content type is 415; +json and a charset parameter are accepted', async () => {
    const text = JSON.stringify(webhookBody({ id: 'wh-ctype' }));
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await call('POST', '/api/v1/webhooks', { body: text, headers: { 'content-type': type } });
      expect(res.status, type).toBe(415);
      expect(errorOf(res).code).toBe('unsupported_media_type');
    }
    const none = await call('POST', '/api/v1/webhooks', { body: text });
    expect(none.status).toBe(415);
    expect((await call('GET', '/api/v1/webhooks/wh-ctype')).status).toBe(404);
    const ok = await call('POST', '/api/v1/webhooks', { body: text, headers: { 'content-type': 'Application/JSON; charset=utf-8' } });
    expect(ok.status).toBe(201);
    const vendor = await call('POST', '/api/v1/webhooks', { body: JSON.stringify(webhookBody({ id: 'wh-ctype-2' })), headers: { 'content-type': 'application/vnd.sigma+json' } });
    expect(vendor.status).toBe(201);
  });

  it('a body over 1 MiB is 413, by Content-Length and when chunked, and creates nothing', async () => {
    const huge = JSON.stringify(webhookBody({ id: 'wh-huge', description: 'x'.repeat(1024 * 1024) }));
    expect(Buffer.byteLength(huge)).toBeGreaterThan(1024 * 1024);
    // Declared: refused from the Content-Length alone, before any body is read. The body is not
    // sent: the daemon answers and closes at once, and a client still writing then loses the answer
    // to EPIPE (see socketRequest).
    const declared = await call('POST', '/api/v1/webhooks', { headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(huge) } });
    expect(declared.status).toBe(413);
    expect(errorOf(declared).code).toBe('payload_too_large');

    const chunked = await call('POST', '/api/v1/webhooks', { body: huge, headers: { 'content-type': 'application/json' }, chunked: true });
    expect(chunked.status).toBe(413);
    expect(errorOf(chunked).code).toBe('payload_too_large');

    // Just under the limit is read and judged on its content (description too long → 400).
    const under = JSON.stringify(webhookBody({ id: 'wh-huge', description: 'x'.repeat(1024 * 1024 - 400) }));
    expect(Buffer.byteLength(under)).toBeLessThanOrEqual(1024 * 1024);
    const judged = await call('POST', '/api/v1/webhooks', { body: under, headers: { 'content-type': 'application/json' } });
    expect(judged.status).toBe(400);
    expect(fieldsOf(judged)).toEqual(['description']);
    expect((await call('GET', '/api/v1/webhooks/wh-huge')).status).toBe(404);
  });

  it('PUT replaces the whole object: 200, createdAt kept, updatedAt moves, absent description cleared', async () => {
    const created = (await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-put', description: 'to be cleared' }) })).json as PublicWebhook;
    const res = await call('PUT', '/api/v1/webhooks/wh-put', {
      json: { name: 'Replaced', url: 'https://example.com/new', events: ['variant.*', 'entity.deleted'], secret: OTHER_SECRET, active: false },
    });
    expect(res.status).toBe(200);
    const body = res.json as PublicWebhook;
    expect(body).toMatchObject({ id: 'wh-put', name: 'Replaced', url: 'https://example.com/new', events: ['variant.*', 'entity.deleted'], description: null, secret: MASK, active: false });
    expect(body.createdAt).toBe(created.createdAt);
    expect(Date.parse(body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
    expect((await call('GET', '/api/v1/webhooks/wh-put')).json).toEqual(body);
    expect(await storedSecret('wh-put')).toBe(OTHER_SECRET);
  });

  it('PUT with the masked secret from a GET keeps the stored secret; without one clears it', async () => {
    await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-put-mask' }) });
    const got = (await call('GET', '/api/v1/webhooks/wh-put-mask')).json as PublicWebhook;
    expect(got.secret).toBe(MASK);
    // GET-modify-PUT, sending back read-only fields and the id too.
    const res = await call('PUT', '/api/v1/webhooks/wh-put-mask', { json: { ...got, name: 'Renamed' } });
    expect(res.status).toBe(200);
    expect((res.json as PublicWebhook).name).toBe('Renamed');
    expect(await storedSecret('wh-put-mask')).toBe(SECRET);

    const { secret: _secret, ...withoutSecret } = got;
    const cleared = await call('PUT', '/api/v1/webhooks/wh-put-mask', { json: withoutSecret });
    expect(cleared.status).toBe(200);
    expect((cleared.json as PublicWebhook).secret).toBeNull();
    expect(await storedSecret('wh-put-mask')).toBeNull();
  });

  it('PUT with fields missing is 400 naming each, and changes nothing', async () => {
    await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-put-missing' }) });
    const before = (await call('GET', '/api/v1/webhooks/wh-put-missing')).json;
    const res = await call('PUT', '/api/v1/webhooks/wh-put-missing', { json: { description: 'only this' } });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['active', 'events', 'name', 'url']);
    for (const field of ['name', 'url', 'events', 'active']) expect(errorOf(res).message).toContain(`${field}: is required`);
    const wrongType = await call('PUT', '/api/v1/webhooks/wh-put-missing', { json: webhookBody({ active: 'true', events: [] }) });
    expect(wrongType.status).toBe(400);
    expect(fieldsOf(wrongType)).toEqual(['active', 'events']);
    expect((await call('GET', '/api/v1/webhooks/wh-put-missing')).json).toEqual(before);
  });

  it('PUT with an id in the body that differs from the path is 400 naming id; a matching id is fine', async () => {
    await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-put-id' }) });
    const res = await call('PUT', '/api/v1/webhooks/wh-put-id', { json: webhookBody({ id: 'wh-other-id' }) });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['id']);
    expect((await call('GET', '/api/v1/webhooks/wh-other-id')).status).toBe(404);
    const same = await call('PUT', '/api/v1/webhooks/wh-put-id', { json: webhookBody({ id: 'wh-put-id', name: 'Same id' }) });
    expect(same.status).toBe(200);
  });

  it('PUT on an unknown id is 404; PUT with a bad body is 400/415 before anything else', async () => {
    const res = await call('PUT', '/api/v1/webhooks/wh-never-made', { json: webhookBody() });
    expect(res.status).toBe(404);
    expect(errorOf(res).code).toBe('not_found');
    const text = await call('PUT', '/api/v1/webhooks/wh-never-made', { body: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const broken = await call('PUT', '/api/v1/webhooks/wh-never-made', { body: '{', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
  });

  it('DELETE is 204 with no body; then GET, PUT and DELETE are 404', async () => {
    await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-del' }) });
    const res = await call('DELETE', '/api/v1/webhooks/wh-del');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await call('GET', '/api/v1/webhooks/wh-del')).status).toBe(404);
    expect((await call('PUT', '/api/v1/webhooks/wh-del', { json: webhookBody() })).status).toBe(404);
    const again = await call('DELETE', '/api/v1/webhooks/wh-del');
    expect(again.status).toBe(404);
    expect(errorOf(again).code).toBe('not_found');
  });

  it('percent-encoded ids are decoded; bad percent-encoding is 400', async () => {
    await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh.enc_1-x' }) });
    expect((await call('GET', '/api/v1/webhooks/wh%2Eenc%5F1-x')).status).toBe(200);
    const bad = await call('GET', '/api/v1/webhooks/%E0%A4%A');
    expect(bad.status).toBe(400);
    expect(errorOf(bad).code).toBe('invalid_request');
  });
});

describe('unknown routes and wrong methods', () => {
  it('an unknown route is 404 with the error shape', async () => {
    for (const path of ['/', '/nope', '/api/v1', '/api/v1/webhooks/a/b', '/api/v2/webhooks', '/health/', '//api/v1/webhooks', '/api/v1/deliveries/x/redeliver/now']) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(404);
      expect(errorOf(res).code, path).toBe('not_found');
    }
  });

  it('a doubled leading slash is a path, not a host: //x/api/v1/webhooks does not reach the webhooks route', async () => {
    const res = await call('POST', '//x/api/v1/webhooks', { json: webhookBody({ id: 'wh-double-slash' }) });
    expect(res.status).toBe(404);
    expect((await call('GET', '/api/v1/webhooks/wh-double-slash')).status).toBe(404);
  });

  it('a wrong method is 405 with an Allow header listing the right ones', async () => {
    const cases: Array<[string, string, string]> = [
      ['POST', '/health', 'GET'],
      ['DELETE', '/health', 'GET'],
      ['GET', '/events', 'POST'],
      ['PUT', '/events', 'POST'],
      ['PATCH', '/api/v1/webhooks', 'GET, POST'],
      ['DELETE', '/api/v1/webhooks', 'GET, POST'],
      ['PATCH', '/api/v1/webhooks/wh-create-1', 'GET, PUT, DELETE'],
      ['POST', '/api/v1/webhooks/wh-create-1', 'GET, PUT, DELETE'],
      ['POST', '/api/v1/deliveries', 'GET'],
      ['DELETE', '/api/v1/deliveries/dlv_x', 'GET'],
      ['GET', '/api/v1/deliveries/dlv_x/redeliver', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await call(method, path, method === 'GET' || method === 'DELETE' ? {} : { json: {} });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.allow, `${method} ${path}`).toBe(allow);
      expect(errorOf(res).code).toBe('method_not_allowed');
    }
    // The webhook a PATCH/POST was aimed at is untouched.
    expect((await call('GET', '/api/v1/webhooks/wh-create-1')).status).toBe(200);
  });

  it('an unknown HTTP method or a malformed request line gets a JSON 400, and the daemon keeps serving', async () => {
    const res = await daemon.request({ method: 'BREW', path: '/health' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    expect((await call('GET', '/health')).status).toBe(200);
  });
});

describe('tenants via X-Sigma-Tenant', () => {
  it('each tenant sees, changes and deletes only its own webhooks; ids are unique per tenant', async () => {
    const acme = { 'x-sigma-tenant': 'acme' };
    const globex = { 'x-sigma-tenant': 'globex' };
    expect((await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-tenant', name: 'Acme hook' }), headers: acme })).status).toBe(201);
    expect((await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-tenant', name: 'Globex hook' }), headers: globex })).status).toBe(201);
    expect((await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-acme-only' }), headers: acme })).status).toBe(201);

    const acmeList = (await call('GET', '/api/v1/webhooks', { headers: acme })).json as PublicWebhook[];
    expect(acmeList.map((w) => w.id).sort()).toEqual(['wh-acme-only', 'wh-tenant']);
    expect(acmeList.find((w) => w.id === 'wh-tenant')!.name).toBe('Acme hook');
    const globexList = (await call('GET', '/api/v1/webhooks', { headers: globex })).json as PublicWebhook[];
    expect(globexList.map((w) => w.id)).toEqual(['wh-tenant']);
    const defaultList = (await call('GET', '/api/v1/webhooks')).json as PublicWebhook[];
    expect(defaultList.map((w) => w.id)).not.toContain('wh-acme-only');
    expect(defaultList.map((w) => w.id)).not.toContain('wh-tenant');

    expect((await call('GET', '/api/v1/webhooks/wh-acme-only', { headers: globex })).status).toBe(404);
    expect((await call('GET', '/api/v1/webhooks/wh-acme-only')).status).toBe(404);
    expect((await call('PUT', '/api/v1/webhooks/wh-acme-only', { json: webhookBody({ name: 'hijack' }), headers: globex })).status).toBe(404);
    expect((await call('DELETE', '/api/v1/webhooks/wh-acme-only', { headers: globex })).status).toBe(404);
    const still = (await call('GET', '/api/v1/webhooks/wh-acme-only', { headers: acme })).json as PublicWebhook;
    expect(still.name).toBe('Routes test');

    expect((await call('DELETE', '/api/v1/webhooks/wh-tenant', { headers: globex })).status).toBe(204);
    expect(((await call('GET', '/api/v1/webhooks/wh-tenant', { headers: acme })).json as PublicWebhook).name).toBe('Acme hook');

    // The CLI sees the same tenant split.
    const cli = await runCliJson<PublicWebhook[]>(['--tenant', 'acme', 'list', '--json'], { home: home.path });
    expect(cli.json.map((w) => w.id).sort()).toEqual(['wh-acme-only', 'wh-tenant']);
  });

  it('an empty X-Sigma-Tenant means the default tenant', async () => {
    const res = await call('GET', '/api/v1/webhooks/wh-create-1', { headers: { 'x-sigma-tenant': '' } });
    expect(res.status).toBe(200);
  });

  it('an invalid X-Sigma-Tenant is 400 naming the header, on every route', async () => {
    for (const tenant of ['has space', '-dash-first', 'a/b', 'x'.repeat(129), 'é']) {
      for (const [method, path] of [['GET', '/api/v1/webhooks'], ['POST', '/api/v1/webhooks'], ['GET', '/api/v1/deliveries'], ['POST', '/events']] as const) {
        const res = await call(method, path, {
          headers: { 'x-sigma-tenant': tenant },
          ...(method === 'POST' ? { json: webhookBody({ id: 'wh-bad-tenant' }) } : {}),
        });
        expect(res.status, `${method} ${path} tenant ${tenant}`).toBe(400);
        expect(fieldsOf(res)).toEqual(['X-Sigma-Tenant']);
      }
    }
  });
});

describe('/api/v1/deliveries and redeliver', () => {
  let okId: string;
  let failId: string;
  let okDelivery: string;
  let failDelivery: string;
  let okEvent: string;
  const tenant = { 'x-sigma-tenant': 'dlv-tenant' };

  async function deliveryFor(id: string, headers: Record<string, string> = tenant): Promise<SocketResponse> {
    return call('GET', `/api/v1/deliveries/${id}`, { headers });
  }

  async function waitStatus(id: string, status: DeliveryStatus): Promise<DeliveryView> {
    return pollUntil(async () => {
      const view = (await deliveryFor(id)).json as DeliveryView;
      return view.status === status ? view : undefined;
    }, { what: `delivery ${id} to be ${status}` });
  }

  beforeAll(async () => {
    okId = ((await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-dlv-ok', events: ['entity.*'] }), headers: tenant })).json as PublicWebhook).id;
    failId = ((await call('POST', '/api/v1/webhooks', { json: webhookBody({ id: 'wh-dlv-fail', url: failReceiver.urlFor('/fail'), events: ['entity.deleted'] }), headers: tenant })).json as PublicWebhook).id;
    const first = await call('POST', '/events', { json: { event: 'entity.created', data: { entityId: 'ent_1' } }, headers: tenant });
    expect(first.status).toBe(202);
    const firstAnswer = first.json as EmitAnswer;
    expect(firstAnswer.eventId).toMatch(/^evt_/);
    expect(firstAnswer.deliveries).toEqual([{ deliveryId: expect.stringMatching(/^dlv_/), webhookId: okId }]);
    okDelivery = firstAnswer.deliveries[0]!.deliveryId;
    okEvent = firstAnswer.eventId;
    const second = await call('POST', '/events', { json: { event: 'entity.deleted', data: { entityId: 'ent_1', entityType: 'product' } }, headers: tenant });
    const secondAnswer = second.json as EmitAnswer;
    expect(secondAnswer.deliveries.map((d) => d.webhookId).sort()).toEqual([failId, okId].sort());
    failDelivery = secondAnswer.deliveries.find((d) => d.webhookId === failId)!.deliveryId;
    await waitStatus(okDelivery, 'succeeded');
    await waitStatus(failDelivery, 'failed');
  });

  it('GET one delivery shows all its attempts, the body, and the tenant', async () => {
    const ok = (await deliveryFor(okDelivery)).json as DeliveryView;
    expect(ok).toMatchObject({ deliveryId: okDelivery, eventId: okEvent, event: 'entity.created', webhookId: okId, tenant: 'dlv-tenant', status: 'succeeded', attemptCount: 1 });
    expect(ok.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, durationMs: expect.any(Number), startedAt: expect.any(String) })]);
    expect(JSON.parse(ok.body!)).toMatchObject({ deliveryId: okDelivery, data: { entityId: 'ent_1' } });

    const failed = (await deliveryFor(failDelivery)).json as DeliveryView;
    expect(failed.status).toBe('failed');
    expect(failed.attempts!.map((a) => [a.attempt, a.statusCode])).toEqual([[1, 500], [2, 500], [3, 500], [4, 500]]);
    expect(failReceiver.requests.length).toBe(4);
  });

  it('an unknown delivery, or one of another tenant, is 404', async () => {
    const res = await deliveryFor('dlv_does_not_exist');
    expect(res.status).toBe(404);
    expect(errorOf(res).code).toBe('not_found');
    expect((await deliveryFor(okDelivery, {})).status).toBe(404);
    expect((await deliveryFor(okDelivery, { 'x-sigma-tenant': 'acme' })).status).toBe(404);
  });

  it('the list is newest first, per tenant, with webhookId, event, status and limit filters', async () => {
    const all = (await call('GET', '/api/v1/deliveries', { headers: tenant })).json as DeliveryView[];
    expect(all.length).toBe(3);
    expect(all[all.length - 1]!.deliveryId).toBe(okDelivery);
    for (const d of all) expect(d.tenant).toBe('dlv-tenant');
    const byHook = (await call('GET', `/api/v1/deliveries?webhookId=${failId}`, { headers: tenant })).json as DeliveryView[];
    expect(byHook.map((d) => d.deliveryId)).toEqual([failDelivery]);
    const byEvent = (await call('GET', '/api/v1/deliveries?event=entity.created', { headers: tenant })).json as DeliveryView[];
    expect(byEvent.map((d) => d.deliveryId)).toEqual([okDelivery]);
    const byStatus = (await call('GET', '/api/v1/deliveries?status=failed', { headers: tenant })).json as DeliveryView[];
    expect(byStatus.map((d) => d.deliveryId)).toEqual([failDelivery]);
    const combined = (await call('GET', `/api/v1/deliveries?webhookId=${okId}&status=succeeded&event=entity.deleted`, { headers: tenant })).json as DeliveryView[];
    expect(combined.length).toBe(1);
    const limited = (await call('GET', '/api/v1/deliveries?limit=1', { headers: tenant })).json as DeliveryView[];
    expect(limited.length).toBe(1);
    expect(limited[0]!.deliveryId).toBe(all[0]!.deliveryId);
    const none = (await call('GET', '/api/v1/deliveries?status=cancelled', { headers: tenant })).json;
    expect(none).toEqual([]);
    const otherTenant = (await call('GET', '/api/v1/deliveries', { headers: { 'x-sigma-tenant': 'nobody-here' } })).json;
    expect(otherTenant).toEqual([]);
  });

  it('bad filters are 400 naming the parameter', async () => {
    for (const limit of ['0', '-1', 'abc', '1.5', '10001', '', '1e3']) {
      const res = await call('GET', `/api/v1/deliveries?limit=${encodeURIComponent(limit)}`, { headers: tenant });
      expect(res.status, `limit=${limit}`).toBe(400);
      expect(fieldsOf(res)).toEqual(['limit']);
    }
    expect((await call('GET', '/api/v1/deliveries?limit=10000', { headers: tenant })).status).toBe(200);
    const status = await call('GET', '/api/v1/deliveries?status=done', { headers: tenant });
    expect(status.status).toBe(400);
    expect(fieldsOf(status)).toEqual(['status']);
  });

  it('redeliver is 202 and sends the same deliveryId and the same body bytes again as attempt 1', async () => {
    const before = okReceiver.forDelivery(okDelivery);
    expect(before.length).toBe(1);
    const res = await call('POST', `/api/v1/deliveries/${okDelivery}/redeliver`, { headers: tenant });
    expect(res.status).toBe(202);
    expect((res.json as DeliveryView).deliveryId).toBe(okDelivery);
    await okReceiver.waitFor((all) => all.filter((r) => r.deliveryId === okDelivery).length === 2, 10_000, 'the redelivery');
    const [first, again] = okReceiver.forDelivery(okDelivery);
    expect(again!.body.equals(first!.body)).toBe(true);
    expect(again!.headers['x-sigma-attempt']).toBe('1');
    const view = await pollUntil(async () => {
      const v = (await deliveryFor(okDelivery)).json as DeliveryView;
      return v.status === 'succeeded' && v.attemptCount === 2 ? v : undefined;
    }, { what: 'two attempts recorded' });
    expect(view.attempts!.length).toBe(2);
  });

  it('redeliver refuses a non-JSON body with 415', async () => {
    const res = await call('POST', `/api/v1/deliveries/${failDelivery}/redeliver`, { body: 'now', headers: { ...tenant, 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
  });

  it('redeliver of an unknown delivery or another tenant\'s is 404', async () => {
    expect((await call('POST', '/api/v1/deliveries/dlv_nope/redeliver', { headers: tenant })).status).toBe(404);
    expect((await call('POST', `/api/v1/deliveries/${okDelivery}/redeliver`)).status).toBe(404);
  });

  it('redeliver is 409 when the webhook is inactive, and when it was deleted', async () => {
    const got = (await call('GET', `/api/v1/webhooks/${failId}`, { headers: tenant })).json as PublicWebhook;
    expect((await call('PUT', `/api/v1/webhooks/${failId}`, { json: { ...got, active: false }, headers: tenant })).status).toBe(200);
    const inactive = await call('POST', `/api/v1/deliveries/${failDelivery}/redeliver`, { headers: tenant });
    expect(inactive.status).toBe(409);
    expect(errorOf(inactive).code).toBe('conflict');
    expect(errorOf(inactive).message).toContain('inactive');

    expect((await call('DELETE', `/api/v1/webhooks/${failId}`, { headers: tenant })).status).toBe(204);
    const deleted = await call('POST', `/api/v1/deliveries/${failDelivery}/redeliver`, { headers: tenant });
    expect(deleted.status).toBe(409);
    expect(errorOf(deleted).message).toContain('deleted');
    expect(failReceiver.requests.length).toBe(4);
    expect(((await deliveryFor(failDelivery)).json as DeliveryView).attemptCount).toBe(4);
  });
});

describe('POST /events validation', () => {
  it('refuses a bad event body with 400 naming the field', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{}, ['event']],
      [{ event: 'entity.exploded' }, ['event']],
      [{ event: 42 }, ['event']],
      [{ event: 'entity.created', data: [] }, ['data']],
      [{ event: 'entity.created', data: 'x' }, ['data']],
      [{ event: 'entity.created', idempotencyKey: '' }, ['idempotencyKey']],
      [{ event: 'entity.created', idempotencyKey: 'k'.repeat(256) }, ['idempotencyKey']],
      [{ event: 'entity.created', extra: true }, ['extra']],
      [{ event: 'entity.created', tenant: 5 }, ['tenant']],
    ];
    for (const [body, fields] of cases) {
      const res = await call('POST', '/events', { json: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(fieldsOf(res), JSON.stringify(body)).toEqual(fields);
    }
  });

  it('refuses data nested so deep that serializing it would overflow (400 naming data, not a 500)', async () => {
    const depth = 20_000;
    const body = `{"event":"entity.created","data":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const res = await call('POST', '/events', { body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['data']);
    expect(daemon.output()).not.toContain('internal error');
  });
});

describe('secrets', () => {
  it('no response ever contained a secret in full', () => {
    expect(seen.length).toBeGreaterThan(50);
    for (const text of seen) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(OTHER_SECRET);
    }
  });

  it('the daemon logged no internal error', () => {
    expect(daemon.output()).not.toContain('internal error');
  });
});

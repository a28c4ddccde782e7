import type { IncomingMessage, ServerResponse } from 'node:http';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../core/delivery.js';
import { ConflictError, MethodNotAllowedError, NotFoundError, UsageError, ValidationError, quote } from '../core/errors.js';
import { randomId } from '../core/ids.js';
import { deliveryView } from '../core/views.js';
import { toPublic, validateNewWebhook, validateReplacement, validateTenant } from '../core/webhook.js';
import type { Journal } from '../journal/journal.js';
import type { WebhookStore } from '../store/webhook-store.js';
import type { Dispatcher } from './dispatcher.js';
import { parseEmitRequest, type Emitter } from './emitter.js';
import { readJsonBody, sendError, sendJson } from './http-io.js';

export interface ApiDeps {
  store: WebhookStore;
  journal: Journal;
  dispatcher: Dispatcher;
  emitter: Emitter;
  now: () => number;
  version: string;
  startedAt: number;
  log: (line: string) => void;
}

interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  tenant: string;
}

type Handler = (ctx: RequestContext) => Promise<void>;

interface Route {
  pattern: RegExp;
  methods: Partial<Record<string, Handler>>;
}

const SEGMENT = '([^/]+)';
const DEFAULT_LIST_LIMIT = 50;
const MAX_LIST_LIMIT = 10_000;

/** The daemon's HTTP API (SPEC §5): one handler per route, errors in one JSON shape. */
export function createRequestHandler(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, journal, dispatcher, emitter } = deps;

  const routes: Route[] = [
    {
      pattern: /^\/health$/,
      methods: {
        GET: async ({ res }) => {
          sendJson(res, 200, {
            status: 'ok',
            version: deps.version,
            pid: process.pid,
            uptimeSeconds: Math.floor((deps.now() - deps.startedAt) / 1000),
            queue: dispatcher.queueCounts(),
          });
        },
      },
    },
    {
      pattern: /^\/events$/,
      methods: {
        POST: async ({ req, res, tenant }) => {
          const request = parseEmitRequest(await requireBody(req), tenant);
          sendJson(res, 202, await emitter.emit(request));
        },
      },
    },
    {
      pattern: /^\/api\/v1\/webhooks$/,
      methods: {
        GET: async ({ res, tenant }) => {
          sendJson(res, 200, (await store.list(tenant)).map((w) => toPublic(w)));
        },
        POST: async ({ req, res, tenant }) => {
          const webhook = validateNewWebhook(await requireBody(req), {
            tenant,
            now: new Date(deps.now()),
            newId: () => randomId('wh_'),
          });
          const created = await store.create(webhook);
          sendJson(res, 201, toPublic(created), { location: `/api/v1/webhooks/${encodeURIComponent(created.id)}` });
        },
      },
    },
    {
      pattern: new RegExp(`^/api/v1/webhooks/${SEGMENT}$`),
      methods: {
        GET: async ({ res, tenant, params }) => {
          sendJson(res, 200, toPublic(await store.get(tenant, params[0]!)));
        },
        PUT: async ({ req, res, tenant, params }) => {
          const body = await requireBody(req);
          const updated = await store.update(tenant, params[0]!, (current) => validateReplacement(current, body, new Date(deps.now())));
          sendJson(res, 200, toPublic(updated));
        },
        DELETE: async ({ res, tenant, params }) => {
          await store.delete(tenant, params[0]!);
          sendJson(res, 204, undefined);
        },
      },
    },
    {
      pattern: /^\/api\/v1\/deliveries$/,
      methods: {
        GET: async ({ res, tenant, query }) => {
          sendJson(res, 200, listDeliveries(journal, tenant, query));
        },
      },
    },
    {
      pattern: new RegExp(`^/api/v1/deliveries/${SEGMENT}$`),
      methods: {
        GET: async ({ res, tenant, params }) => {
          sendJson(res, 200, deliveryView(findDelivery(journal, tenant, params[0]!), { detail: true }));
        },
      },
    },
    {
      pattern: new RegExp(`^/api/v1/deliveries/${SEGMENT}/redeliver$`),
      methods: {
        POST: async ({ req, res, tenant, params }) => {
          await readJsonBody(req); // an optional empty or JSON body, drained
          const delivery = findDelivery(journal, tenant, params[0]!);
          if (delivery.status === 'delivering' || delivery.status === 'pending') {
            throw new ConflictError(`delivery ${delivery.deliveryId} is ${delivery.status}; redeliver it once this attempt ends`);
          }
          const webhook = (await store.list(tenant)).find((w) => w.id === delivery.webhookId);
          if (!webhook) throw new ConflictError(`webhook ${delivery.webhookId} was deleted; nothing to redeliver to`);
          if (!webhook.active) {
            throw new ConflictError(`webhook ${delivery.webhookId} is inactive; enable it first (sigma-hooks enable ${delivery.webhookId})`);
          }
          const at = deps.now();
          await journal.append([{ t: 'redeliver', id: delivery.deliveryId, at }]);
          dispatcher.schedule(delivery.deliveryId, at);
          sendJson(res, 202, deliveryView(delivery, { detail: true }));
        },
      },
    },
  ];

  return (req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, error, deps.log));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      // An origin-form target is a path: `//x/api/…` must not parse as host "x" plus `/api/…`.
      const target = req.url ?? '/';
      url = target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target);
    } catch {
      throw new UsageError(`path: ${quote(req.url, 200)} is not a valid request target`);
    }
    for (const route of routes) {
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      const handler = route.methods[req.method ?? ''];
      if (!handler) {
        res.setHeader('allow', Object.keys(route.methods).join(', '));
        throw new MethodNotAllowedError(`${req.method} is not allowed on ${quote(url.pathname)}; use ${Object.keys(route.methods).join(' or ')}`);
      }
      const params = match.slice(1).map((segment) => {
        try {
          return decodeURIComponent(segment);
        } catch {
          throw new UsageError(`path: ${quote(segment)} is not valid percent-encoding`);
        }
      });
      const header = req.headers['x-sigma-tenant'];
      const tenant = validateTenant(typeof header === 'string' && header !== '' ? header : 'default', 'X-Sigma-Tenant');
      await handler({ req, res, params, query: url.searchParams, tenant });
      return;
    }
    throw new NotFoundError(`no route ${quote(req.method, 20)} ${quote(url.pathname)}; see GET /health, POST /events, /api/v1/webhooks, /api/v1/deliveries`);
  }
}

async function requireBody(req: IncomingMessage): Promise<unknown> {
  const body = await readJsonBody(req);
  if (body === undefined) throw new ValidationError([{ field: 'body', message: 'is required: send a JSON object' }]);
  return body;
}

function findDelivery(journal: Journal, tenant: string, id: string) {
  const delivery = journal.delivery(id);
  if (!delivery || delivery.tenant !== tenant) throw new NotFoundError(`no delivery ${quote(id)} in tenant "${tenant}"`);
  return delivery;
}

function listDeliveries(journal: Journal, tenant: string, query: URLSearchParams) {
  const webhookId = query.get('webhookId') ?? undefined;
  const event = query.get('event') ?? undefined;
  const status = query.get('status') ?? undefined;
  if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status)) {
    throw new ValidationError([{ field: 'status', message: `unknown status ${quote(status)}; valid: ${DELIVERY_STATUSES.join(', ')}` }]);
  }
  const limitText = query.get('limit');
  let limit = DEFAULT_LIST_LIMIT;
  if (limitText !== null) {
    limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new ValidationError([{ field: 'limit', message: `must be a whole number from 1 to ${MAX_LIST_LIMIT}` }]);
    }
  }
  const all = [...journal.state.deliveries.values()];
  const out = [];
  for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
    const d = all[i]!;
    if (d.tenant !== tenant) continue;
    if (webhookId !== undefined && d.webhookId !== webhookId) continue;
    if (event !== undefined && d.event !== event) continue;
    if (status !== undefined && d.status !== (status as DeliveryStatus)) continue;
    out.push(deliveryView(d));
  }
  return out;
}

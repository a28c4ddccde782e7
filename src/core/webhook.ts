/**
 * The webhook definition (SPEC §2): one validation used by every entry point — CLI flags,
 * interactive prompts and the REST API. Every problem found is reported, each naming its field.
 */
import { ValidationError, quote, type FieldIssue } from './errors.js';
import { isSubscription, validEventList } from './events.js';

export interface Webhook {
  id: string;
  tenant: string;
  name: string;
  description: string | null;
  url: string;
  events: string[];
  secret: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What lists, API responses and `get` without `--show-secret` show. */
export type PublicWebhook = Omit<Webhook, 'tenant'>;

export const SECRET_MASK = '••••••••';
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const MIN_SECRET_LENGTH = 16;
const MAX_SECRET_LENGTH = 1024;
const MAX_NAME = 200;
const MAX_DESCRIPTION = 2000;
const MAX_URL = 2048;

/** Fields a client may send back from a GET (GET-modify-PUT) but never sets. */
const READ_ONLY_FIELDS = new Set(['createdAt', 'updatedAt', 'tenant']);
const WRITABLE_FIELDS = new Set(['id', 'name', 'description', 'url', 'events', 'secret', 'active']);

export interface WebhookContext {
  tenant: string;
  now: Date;
  newId: () => string;
}

export interface WebhookPatch {
  name?: string;
  url?: string;
  events?: string[];
  addEvents?: string[];
  removeEvents?: string[];
  description?: string | null;
  secret?: string | null;
  active?: boolean;
}

class IssueCollector {
  readonly issues: FieldIssue[] = [];
  add(field: string, message: string): void {
    this.issues.push({ field, message });
  }
  throwIfAny(): void {
    if (this.issues.length > 0) throw new ValidationError(this.issues);
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function checkId(value: unknown, out: IssueCollector): string | undefined {
  if (typeof value !== 'string') {
    out.add('id', `must be a string, got ${describeType(value)}`);
    return undefined;
  }
  if (!ID_PATTERN.test(value)) {
    out.add('id', 'must be 1–128 characters of A-Z a-z 0-9 . _ - and start with a letter or digit');
    return undefined;
  }
  return value;
}

function checkName(value: unknown, out: IssueCollector): string | undefined {
  if (typeof value !== 'string') {
    out.add('name', value === undefined ? 'is required' : `must be a string, got ${describeType(value)}`);
    return undefined;
  }
  const name = value.trim();
  if (name === '') out.add('name', 'must not be empty');
  else if (name.length > MAX_NAME) out.add('name', `must be at most ${MAX_NAME} characters (got ${name.length})`);
  else return name;
  return undefined;
}

function checkDescription(value: unknown, out: IssueCollector): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') {
    out.add('description', `must be a string, got ${describeType(value)}`);
    return undefined;
  }
  if (value.length > MAX_DESCRIPTION) {
    out.add('description', `must be at most ${MAX_DESCRIPTION} characters (got ${value.length})`);
    return undefined;
  }
  return value.trim() === '' ? null : value;
}

function checkUrl(value: unknown, out: IssueCollector): string | undefined {
  if (typeof value !== 'string') {
    out.add('url', value === undefined ? 'is required' : `must be a string, got ${describeType(value)}`);
    return undefined;
  }
  const url = value.trim();
  if (url.length > MAX_URL) {
    out.add('url', `must be at most ${MAX_URL} characters`);
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    out.add('url', `${quote(url)} is not an absolute URL; use e.g. https://example.com/hooks/sigma`);
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    out.add('url', `must use http: or https:, got ${parsed.protocol}`);
    return undefined;
  }
  // WHATWG parsing accepts `http:host` and `http:/host`; a stored URL should read as it is used.
  if (parsed.hostname === '' || !/^https?:\/\/[^/]/i.test(url)) {
    out.add('url', `${quote(url)} must be an absolute URL with a host, like https://example.com/hooks/sigma`);
    return undefined;
  }
  return url;
}

function checkEventList(value: unknown, field: string, out: IssueCollector, allowEmpty: boolean): string[] | undefined {
  if (!Array.isArray(value)) {
    out.add(field, value === undefined ? 'is required' : `must be an array of event names, got ${describeType(value)}`);
    return undefined;
  }
  if (value.length === 0 && !allowEmpty) {
    out.add(field, `must name at least one event; valid: ${validEventList()}`);
    return undefined;
  }
  const events: string[] = [];
  let ok = true;
  value.forEach((item: unknown, index) => {
    if (typeof item !== 'string') {
      out.add(`${field}[${index}]`, `must be a string, got ${describeType(item)}`);
      ok = false;
    } else if (!isSubscription(item.trim())) {
      out.add(`${field}[${index}]`, `unknown event ${quote(item)}; valid: ${validEventList()}`);
      ok = false;
    } else if (!events.includes(item.trim())) {
      events.push(item.trim());
    }
  });
  return ok ? events : undefined;
}

function checkSecret(value: unknown, out: IssueCollector): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') {
    out.add('secret', `must be a string, got ${describeType(value)}`);
    return undefined;
  }
  if (value.length < MIN_SECRET_LENGTH) {
    out.add('secret', `must be at least ${MIN_SECRET_LENGTH} characters (got ${value.length}); --generate-secret makes one`);
    return undefined;
  }
  if (value.length > MAX_SECRET_LENGTH) {
    out.add('secret', `must be at most ${MAX_SECRET_LENGTH} characters`);
    return undefined;
  }
  return value;
}

function checkActive(value: unknown, out: IssueCollector): boolean | undefined {
  if (typeof value !== 'boolean') {
    out.add('active', value === undefined ? 'is required' : `must be true or false, got ${describeType(value)}`);
    return undefined;
  }
  return value;
}

function checkObject(input: unknown, out: IssueCollector): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    out.add('body', `must be a JSON object, got ${describeType(input)}`);
    out.throwIfAny();
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!WRITABLE_FIELDS.has(key) && !READ_ONLY_FIELDS.has(key)) {
      out.add(key, `unknown field; allowed: ${[...WRITABLE_FIELDS].join(', ')}`);
    }
  }
  return record;
}

/** Validates a new webhook (CLI `create`, `POST /api/v1/webhooks`). */
export function validateNewWebhook(input: unknown, ctx: WebhookContext): Webhook {
  const out = new IssueCollector();
  const record = checkObject(input, out);
  const id = record.id === undefined ? ctx.newId() : checkId(record.id, out);
  const name = checkName(record.name, out);
  const description = checkDescription(record.description, out);
  const url = checkUrl(record.url, out);
  const events = checkEventList(record.events, 'events', out, false);
  const secret = checkSecret(record.secret, out);
  const active = record.active === undefined ? true : checkActive(record.active, out);
  out.throwIfAny();
  const now = ctx.now.toISOString();
  return {
    id: id!, tenant: ctx.tenant, name: name!, description: description!, url: url!, events: events!,
    secret: secret!, active: active!, createdAt: now, updatedAt: now,
  };
}

/**
 * Validates a full replacement (`PUT /api/v1/webhooks/:id`). `name`, `url`, `events` and
 * `active` are required; an absent `description` or `secret` clears it, and the masked secret a
 * GET returned keeps the stored one, so GET-modify-PUT never loses a secret by accident.
 */
export function validateReplacement(existing: Webhook, input: unknown, now: Date): Webhook {
  const out = new IssueCollector();
  const record = checkObject(input, out);
  if (record.id !== undefined && record.id !== existing.id) {
    out.add('id', `must match the id in the path ("${existing.id}") or be omitted`);
  }
  const name = checkName(record.name, out);
  const description = checkDescription(record.description, out);
  const url = checkUrl(record.url, out);
  const events = checkEventList(record.events, 'events', out, false);
  const secret = record.secret === SECRET_MASK ? existing.secret : checkSecret(record.secret, out);
  const active = checkActive(record.active, out);
  out.throwIfAny();
  return {
    ...existing, name: name!, description: description!, url: url!, events: events!,
    secret: secret!, active: active!, updatedAt: now.toISOString(),
  };
}

/** Applies a partial change (CLI `update`, `enable`, `disable`) and validates the result. */
export function applyPatch(existing: Webhook, patch: WebhookPatch, now: Date): Webhook {
  const out = new IssueCollector();
  const next: Webhook = { ...existing, events: [...existing.events] };
  if (patch.name !== undefined) next.name = checkName(patch.name, out) ?? next.name;
  if (patch.url !== undefined) next.url = checkUrl(patch.url, out) ?? next.url;
  if (patch.description !== undefined) {
    const description = checkDescription(patch.description, out);
    if (description !== undefined) next.description = description;
  }
  if (patch.secret !== undefined) {
    const secret = checkSecret(patch.secret, out);
    if (secret !== undefined) next.secret = secret;
  }
  if (patch.active !== undefined) next.active = checkActive(patch.active, out) ?? next.active;
  if (patch.events !== undefined) next.events = checkEventList(patch.events, 'events', out, false) ?? next.events;
  if (patch.addEvents !== undefined) {
    for (const event of checkEventList(patch.addEvents, 'add-events', out, false) ?? []) {
      if (!next.events.includes(event)) next.events.push(event);
    }
  }
  if (patch.removeEvents !== undefined) {
    const remove = checkEventList(patch.removeEvents, 'remove-events', out, false) ?? [];
    next.events = next.events.filter((event) => !remove.includes(event));
    if (next.events.length === 0 && out.issues.length === 0) {
      out.add('remove-events', 'would leave the webhook with no events; delete it or disable it instead');
    }
  }
  out.throwIfAny();
  next.updatedAt = now.toISOString();
  return next;
}

export function toPublic(webhook: Webhook, options: { showSecret?: boolean } = {}): PublicWebhook {
  const { tenant: _tenant, ...rest } = webhook;
  return { ...rest, secret: webhook.secret === null ? null : options.showSecret ? webhook.secret : SECRET_MASK };
}

/** Tenant names follow the id rule so they are safe in headers, paths and file names. */
export function validateTenant(tenant: string, field = 'tenant'): string {
  if (!ID_PATTERN.test(tenant)) {
    throw new ValidationError([{ field, message: `${quote(tenant)} is not a valid tenant; use 1–128 of A-Z a-z 0-9 . _ - starting with a letter or digit` }]);
  }
  return tenant;
}

/** The problem with one field's value, or undefined: lets prompts validate as the user types. */
export function fieldProblem(field: 'id' | 'name' | 'url' | 'events' | 'secret' | 'description', value: unknown): string | undefined {
  const out = new IssueCollector();
  switch (field) {
    case 'id': checkId(value, out); break;
    case 'name': checkName(value, out); break;
    case 'url': checkUrl(value, out); break;
    case 'events': checkEventList(value, 'events', out, false); break;
    case 'secret': checkSecret(value, out); break;
    case 'description': checkDescription(value, out); break;
  }
  return out.issues[0]?.message;
}

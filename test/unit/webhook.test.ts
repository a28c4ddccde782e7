import { describe, expect, test } from 'vitest';
import { ValidationError, type FieldIssue } from '../../src/core/errors.js';
import { EVENT_NAMES, WILDCARDS } from '../../src/core/events.js';
import {
  applyPatch,
  fieldProblem,
  SECRET_MASK,
  toPublic,
  validateNewWebhook,
  validateReplacement,
  validateTenant,
  type Webhook,
  type WebhookPatch,
} from '../../src/core/webhook.js';

const NOW = new Date('2026-12-03T12:00:00.000Z');
const LATER = new Date('2026-12-03T13:00:00.000Z');
const ctx = { tenant: 'acme', now: NOW, newId: () => 'wh_generated' };

const valid = {
  name: 'ERP sync',
  url: 'https://erp.example.com/hooks/sigma',
  events: ['entity.created'],
};

const existing: Webhook = {
  id: 'wh_1',
  tenant: 'acme',
  name: 'ERP sync',
  description: 'old',
  url: 'https://erp.example.com/hooks/sigma',
  events: ['entity.created', 'entity.updated'],
  secret: 'stored-secret-0123456789',
  active: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

/** The issues of the ValidationError `work` throws (fails the test if it throws anything else). */
function issuesOf(work: () => unknown): FieldIssue[] {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('validateNewWebhook accepts', () => {
  test('a minimal definition, filling id, active, timestamps and nulls', () => {
    expect(validateNewWebhook(valid, ctx)).toEqual({
      id: 'wh_generated',
      tenant: 'acme',
      name: 'ERP sync',
      description: null,
      url: 'https://erp.example.com/hooks/sigma',
      events: ['entity.created'],
      secret: null,
      active: true,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
  });

  test.each([
    ['a 1-character id', { id: 'a' }, 'id', 'a'],
    ['a 128-character id', { id: 'a'.repeat(128) }, 'id', 'a'.repeat(128)],
    ['an id with . _ -', { id: 'Wh.1_x-Y' }, 'id', 'Wh.1_x-Y'],
    ['an id starting with a digit', { id: '9lives' }, 'id', '9lives'],
    ['a trimmed name', { name: '  Spaced  ' }, 'name', 'Spaced'],
    ['a 200-character name', { name: 'n'.repeat(200) }, 'name', 'n'.repeat(200)],
    ['a 200-character name after trimming', { name: ` ${'n'.repeat(200)} ` }, 'name', 'n'.repeat(200)],
    ['a 2000-character description', { description: 'd'.repeat(2000) }, 'description', 'd'.repeat(2000)],
    ['a null description', { description: null }, 'description', null],
    ['an http URL', { url: 'http://localhost:4000/hook' }, 'url', 'http://localhost:4000/hook'],
    ['an https URL with query', { url: 'https://x.example/h?a=1' }, 'url', 'https://x.example/h?a=1'],
    ['a URL with surrounding spaces, trimmed', { url: '  https://x.example/h ' }, 'url', 'https://x.example/h'],
    ['a 16-character secret', { secret: 's'.repeat(16) }, 'secret', 's'.repeat(16)],
    ['a null secret', { secret: null }, 'secret', null],
    ['active false', { active: false }, 'active', false],
    ['events with wildcards', { events: ['entity.*', 'variant.*', '*'] }, 'events', ['entity.*', 'variant.*', '*']],
    ['every catalog event', { events: [...EVENT_NAMES] }, 'events', [...EVENT_NAMES]],
    ['duplicate events, removed in order', { events: ['entity.updated', 'entity.created', 'entity.updated'] }, 'events', ['entity.updated', 'entity.created']],
    ['events with surrounding spaces', { events: [' entity.created ', 'entity.created'] }, 'events', ['entity.created']],
  ] as const)('%s', (_label, change, field, expected) => {
    const webhook = validateNewWebhook({ ...valid, ...change }, ctx);
    expect(webhook[field]).toEqual(expected);
  });

  test('read-only fields a GET returned (createdAt, updatedAt, tenant) without taking them', () => {
    const webhook = validateNewWebhook({ ...valid, tenant: 'other', createdAt: 'x', updatedAt: 'y' }, ctx);
    expect(webhook.tenant).toBe('acme');
    expect(webhook.createdAt).toBe(NOW.toISOString());
  });
});

describe('validateNewWebhook refuses, naming the field', () => {
  test.each([
    ['an empty id', { id: '' }, 'id', /1–128/],
    ['a 129-character id', { id: 'a'.repeat(129) }, 'id', /1–128/],
    ['an id starting with -', { id: '-abc' }, 'id', /start with a letter or digit/],
    ['an id starting with .', { id: '.abc' }, 'id', /start with a letter or digit/],
    ['an id with a space', { id: 'a b' }, 'id', /A-Z a-z 0-9/],
    ['an id with a slash', { id: 'a/b' }, 'id', /A-Z a-z 0-9/],
    ['a numeric id', { id: 42 }, 'id', /must be a string, got a number/],
    ['a missing name', { name: undefined }, 'name', /is required/],
    ['an empty name', { name: '' }, 'name', /must not be empty/],
    ['a blank name', { name: '   ' }, 'name', /must not be empty/],
    ['a 201-character name', { name: 'n'.repeat(201) }, 'name', /at most 200 characters \(got 201\)/],
    ['a name that is not a string', { name: ['x'] }, 'name', /must be a string, got an array/],
    ['a 2001-character description', { description: 'd'.repeat(2001) }, 'description', /at most 2000 characters/],
    ['a description that is not a string', { description: 5 }, 'description', /must be a string/],
    ['a missing url', { url: undefined }, 'url', /is required/],
    ['a relative url', { url: '/hooks/sigma' }, 'url', /not an absolute URL/],
    ['a url without scheme', { url: 'erp.example.com/hooks' }, 'url', /not an absolute URL/],
    ['an ftp url', { url: 'ftp://files.example.com/x' }, 'url', /http: or https:, got ftp:/],
    ['a javascript: url', { url: 'javascript:alert(1)' }, 'url', /http: or https:/],
    ['a file url', { url: 'file:///etc/passwd' }, 'url', /http: or https:/],
    ['a ws url', { url: 'ws://example.com/socket' }, 'url', /http: or https:/],
    ['a url without slashes', { url: 'http:erp.example.com/hooks' }, 'url', /absolute URL with a host/],
    ['a url that is not a string', { url: { href: 'https://x' } }, 'url', /must be a string, got an object/],
    ['missing events', { events: undefined }, 'events', /is required/],
    ['no events', { events: [] }, 'events', /at least one event/],
    ['events as a string', { events: 'entity.created' }, 'events', /must be an array/],
    ['a 15-character secret', { secret: 's'.repeat(15) }, 'secret', /at least 16 characters \(got 15\)/],
    ['a secret that is not a string', { secret: 1234567890123456 }, 'secret', /must be a string/],
    ['active as a string', { active: 'true' }, 'active', /must be true or false, got a string/],
    ['active as a number', { active: 1 }, 'active', /must be true or false/],
    ['an unknown field', { colour: 'red' }, 'colour', /unknown field; allowed: id, name, description, url, events, secret, active/],
  ] as const)('%s', (_label, change, field, message) => {
    const issues = issuesOf(() => validateNewWebhook({ ...valid, ...change }, ctx));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe(field);
    expect(issues[0]?.message).toMatch(message);
  });

  test.each([
    ['entity.create', 1],
    ['Entity.Created', 0],
    ['entity', 0],
    ['entity.**', 0],
    ['product.*', 1],
  ])('unknown event %j, listing every valid event and wildcard', (bad, index) => {
    const events = index === 0 ? [bad, 'entity.created'] : ['entity.created', bad];
    const issues = issuesOf(() => validateNewWebhook({ ...valid, events }, ctx));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe(`events[${index}]`);
    expect(issues[0]?.message).toContain(`unknown event "${bad}"`);
    for (const name of [...EVENT_NAMES, ...WILDCARDS]) expect(issues[0]?.message).toContain(name);
  });

  test('a non-string event names its index', () => {
    const issues = issuesOf(() => validateNewWebhook({ ...valid, events: ['entity.created', 7] }, ctx));
    expect(issues).toEqual([{ field: 'events[1]', message: 'must be a string, got a number' }]);
  });

  test('several problems at once, each naming its own field', () => {
    const issues = issuesOf(() =>
      validateNewWebhook({ id: '-x', name: '', url: 'ftp://x', events: ['nope'], secret: 'short', active: 'yes', extra: 1 }, ctx),
    );
    expect(issues.map((i) => i.field).sort()).toEqual(['active', 'events[0]', 'extra', 'id', 'name', 'secret', 'url']);
  });

  test('the error message joins every issue as "field: message" lines', () => {
    try {
      validateNewWebhook({ name: '', url: 'nope', events: [] }, ctx);
      expect.unreachable();
    } catch (error) {
      const lines = (error as Error).message.split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^name: /);
      expect(lines[1]).toMatch(/^url: /);
      expect(lines[2]).toMatch(/^events: /);
    }
  });

  test.each([
    ['null', null, /got null/],
    ['an array', [], /got an array/],
    ['a string', 'x', /got a string/],
  ])('a body that is %s', (_label, body, message) => {
    const issues = issuesOf(() => validateNewWebhook(body, ctx));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe('body');
    expect(issues[0]?.message).toMatch(message);
  });

  test('the message never contains the secret', () => {
    try {
      validateNewWebhook({ ...valid, secret: 'tooshort' }, ctx);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('tooshort');
    }
  });
});

describe('validateReplacement', () => {
  const full = {
    name: 'Renamed',
    url: 'https://new.example.com/h',
    events: ['variant.*'],
    active: false,
  };

  test('replaces every writable field and keeps id, tenant and createdAt', () => {
    const next = validateReplacement(existing, { ...full, id: 'wh_1', description: 'new', secret: 'n'.repeat(20) }, LATER);
    expect(next).toEqual({
      ...existing,
      ...full,
      description: 'new',
      secret: 'n'.repeat(20),
      updatedAt: LATER.toISOString(),
    });
  });

  test('absent description and secret clear them', () => {
    const next = validateReplacement(existing, full, LATER);
    expect(next.description).toBeNull();
    expect(next.secret).toBeNull();
  });

  test('the masked secret keeps the stored secret (GET-modify-PUT)', () => {
    const next = validateReplacement(existing, { ...full, secret: SECRET_MASK }, LATER);
    expect(next.secret).toBe(existing.secret);
  });

  test('the masked secret on a webhook without secret stays null', () => {
    const next = validateReplacement({ ...existing, secret: null }, { ...full, secret: SECRET_MASK }, LATER);
    expect(next.secret).toBeNull();
  });

  test('accepts the object a GET returned, read-only fields included', () => {
    const roundTrip = { ...toPublic(existing), name: 'Changed' };
    const next = validateReplacement(existing, roundTrip, LATER);
    expect(next).toEqual({ ...existing, name: 'Changed', updatedAt: LATER.toISOString() });
  });

  test('an id that differs from the path is refused', () => {
    const issues = issuesOf(() => validateReplacement(existing, { ...full, id: 'wh_2' }, LATER));
    expect(issues).toEqual([{ field: 'id', message: expect.stringContaining('"wh_1"') as unknown as string }]);
  });

  test('missing required fields are each named', () => {
    const issues = issuesOf(() => validateReplacement(existing, {}, LATER));
    expect(issues.map((i) => i.field).sort()).toEqual(['active', 'events', 'name', 'url']);
    for (const issue of issues) expect(issue.message).toBe('is required');
  });

  test('an unknown field is refused', () => {
    const issues = issuesOf(() => validateReplacement(existing, { ...full, hmac: 'x' }, LATER));
    expect(issues.map((i) => i.field)).toEqual(['hmac']);
  });
});

describe('applyPatch', () => {
  test.each<[string, WebhookPatch, Partial<Webhook>]>([
    ['name (trimmed)', { name: ' New name ' }, { name: 'New name' }],
    ['url', { url: 'http://localhost:9/x' }, { url: 'http://localhost:9/x' }],
    ['events replaced', { events: ['variant.deleted', 'variant.deleted'] }, { events: ['variant.deleted'] }],
    ['events added, no duplicates', { addEvents: ['entity.updated', 'entity.transition'] }, { events: ['entity.created', 'entity.updated', 'entity.transition'] }],
    ['events removed', { removeEvents: ['entity.created'] }, { events: ['entity.updated'] }],
    ['removing an event not subscribed changes nothing', { removeEvents: ['variant.created'] }, { events: ['entity.created', 'entity.updated'] }],
    ['events replaced, then added and removed', { events: ['*'], addEvents: ['entity.created'], removeEvents: ['*'] }, { events: ['entity.created'] }],
    ['description set', { description: 'ERP' }, { description: 'ERP' }],
    ['description cleared', { description: null }, { description: null }],
    ['secret set', { secret: 'x'.repeat(16) }, { secret: 'x'.repeat(16) }],
    ['secret removed', { secret: null }, { secret: null }],
    ['disabled', { active: false }, { active: false }],
  ])('%s', (_label, patch, expected) => {
    const next = applyPatch(existing, patch, LATER);
    expect(next).toEqual({ ...existing, ...expected, updatedAt: LATER.toISOString() });
  });

  test('does not modify the webhook it was given', () => {
    const before = structuredClone(existing);
    applyPatch(existing, { addEvents: ['variant.created'], name: 'x' }, LATER);
    expect(existing).toEqual(before);
  });

  test('removing every event is refused', () => {
    const issues = issuesOf(() => applyPatch(existing, { removeEvents: ['entity.created', 'entity.updated'] }, LATER));
    expect(issues).toEqual([{ field: 'remove-events', message: expect.stringMatching(/no events/) as unknown as string }]);
  });

  test.each<[string, WebhookPatch, string[]]>([
    ['an unknown added event', { addEvents: ['entity.create'] }, ['add-events[0]']],
    ['an unknown removed event', { removeEvents: ['nope'] }, ['remove-events[0]']],
    ['an empty events list', { events: [] }, ['events']],
    ['an empty name and a bad url', { name: ' ', url: 'mailto:x@example.com' }, ['name', 'url']],
    ['a short secret', { secret: 'short' }, ['secret']],
    ['a long description', { description: 'd'.repeat(2001) }, ['description']],
  ])('refuses %s', (_label, patch, fields) => {
    const issues = issuesOf(() => applyPatch(existing, patch, LATER));
    expect(issues.map((i) => i.field)).toEqual(fields);
  });
});

describe('toPublic', () => {
  test('masks the secret and drops the tenant', () => {
    const view = toPublic(existing);
    expect(view.secret).toBe(SECRET_MASK);
    expect(SECRET_MASK).toBe('••••••••');
    expect(view).not.toHaveProperty('tenant');
    expect(JSON.stringify(view)).not.toContain(existing.secret!);
  });

  test('shows the secret when asked', () => {
    expect(toPublic(existing, { showSecret: true }).secret).toBe(existing.secret);
  });

  test('an unset secret is null, shown or not', () => {
    expect(toPublic({ ...existing, secret: null }).secret).toBeNull();
    expect(toPublic({ ...existing, secret: null }, { showSecret: true }).secret).toBeNull();
  });
});

describe('validateTenant and fieldProblem', () => {
  test.each(['default', 'acme-prod', 'a', 'T.1_x'])('tenant %j is valid', (tenant) => {
    expect(validateTenant(tenant)).toBe(tenant);
  });

  test.each(['', '-x', 'a b', '../etc', 'x'.repeat(129)])('tenant %j is refused, naming the flag', (tenant) => {
    const issues = issuesOf(() => validateTenant(tenant, '--tenant'));
    expect(issues.map((i) => i.field)).toEqual(['--tenant']);
  });

  test.each([
    ['name', '', /must not be empty/],
    ['url', 'ftp://x', /http: or https:/],
    ['events', ['bogus'], /unknown event/],
    ['secret', 'short', /at least 16/],
    ['id', '-x', /start with a letter or digit/],
    ['description', 'd'.repeat(2001), /at most 2000/],
  ] as const)('%s %j has a problem', (field, value, message) => {
    expect(fieldProblem(field, value)).toMatch(message);
  });

  test.each([
    ['name', 'ok'],
    ['url', 'https://example.com'],
    ['events', ['entity.*']],
    ['secret', 'long-enough-secret'],
    ['id', 'wh_1'],
    ['description', ''],
  ] as const)('%s %j has none', (field, value) => {
    expect(fieldProblem(field, value)).toBeUndefined();
  });
});

import { Chalk } from 'chalk';
import { describe, expect, test } from 'vitest';
import { EVENT_NAMES } from '../../src/core/events.js';
import { SECRET_MASK, toPublic, type Webhook } from '../../src/core/webhook.js';
import { renderEventCatalog, renderWebhook, renderWebhookList } from '../../src/cli/render/webhooks.js';
import { keyValues, table, truncate, type Style } from '../../src/cli/render/style.js';

const plain: Style = { color: new Chalk({ level: 0 }), tty: false };
const terminal: Style = { color: new Chalk({ level: 1 }), tty: true };

const BOX_DRAWING = /[\u2500-\u257F]/;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;

const hook = (over: Partial<Webhook> = {}): Webhook => ({
  id: 'wh_1',
  tenant: 'acme',
  name: 'ERP sync',
  description: null,
  url: 'https://erp.example.com/hooks/sigma',
  events: ['entity.created', 'entity.updated'],
  secret: 'whsec_super_secret_value',
  active: true,
  createdAt: '2026-12-03T12:00:00.000Z',
  updatedAt: '2026-12-03T12:00:00.000Z',
  ...over,
});

const two = [
  toPublic(hook()),
  toPublic(hook({ id: 'wh_2', name: 'Slack', url: 'http://localhost:4000/', events: ['*'], secret: null, active: false })),
];

describe('renderWebhookList', () => {
  test('plain: a header and one line per webhook, no box drawing, no colour', () => {
    const text = renderWebhookList(two, 'acme', plain);
    expect(text).not.toMatch(BOX_DRAWING);
    expect(text).not.toMatch(ANSI);
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['ID', 'NAME', 'URL', 'EVENTS', 'ACTIVE', 'SECRET']);
    expect(lines[1]?.split(/\s{2,}/)).toEqual(['wh_1', 'ERP sync', 'https://erp.example.com/hooks/sigma', 'entity.created,entity.updated', 'yes', SECRET_MASK]);
    expect(lines[2]?.split(/\s{2,}/)).toEqual(['wh_2', 'Slack', 'http://localhost:4000/', '*', 'no', 'none']);
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });

  test('plain: columns line up', () => {
    const lines = renderWebhookList(two, 'acme', plain).split('\n');
    const column = (line: string | undefined, word: string) => line?.indexOf(word);
    expect(column(lines[1], 'ERP sync')).toBe(column(lines[0], 'NAME'));
    expect(column(lines[2], 'Slack')).toBe(column(lines[0], 'NAME'));
  });

  test('never shows the secret itself', () => {
    for (const style of [plain, terminal]) {
      expect(renderWebhookList(two, 'acme', style)).not.toContain('whsec_super_secret_value');
    }
  });

  test('on a terminal: a bordered table with colour', () => {
    const text = renderWebhookList(two, 'acme', terminal);
    expect(text).toMatch(BOX_DRAWING);
    expect(text).toMatch(ANSI);
    expect(text).toContain(SECRET_MASK);
  });

  test('truncates long names and URLs', () => {
    const long = toPublic(hook({ name: 'n'.repeat(80), url: `https://example.com/${'p'.repeat(100)}` }));
    const text = renderWebhookList([long], 'acme', plain);
    expect(text).toContain(`${'n'.repeat(39)}…`);
    expect(text).not.toContain('n'.repeat(40));
    expect(text).not.toContain('p'.repeat(60));
  });

  test.each(['default', 'acme-prod'])('an empty list names the tenant %s and how to create one', (tenant) => {
    const text = renderWebhookList([], tenant, plain);
    expect(text).toContain(`No webhooks in tenant "${tenant}"`);
    expect(text).toContain('sigma-hooks create');
  });
});

describe('renderWebhook', () => {
  test('every field, labelled', () => {
    const text = renderWebhook(toPublic(hook({ description: 'For the ERP' })), plain);
    expect(text.split('\n').map((line) => line.split(/\s{2,}/))).toEqual([
      ['id', 'wh_1'],
      ['name', 'ERP sync'],
      ['url', 'https://erp.example.com/hooks/sigma'],
      ['events', 'entity.created, entity.updated'],
      ['active', 'yes'],
      ['secret', SECRET_MASK],
      ['description', 'For the ERP'],
      ['created', '2026-12-03T12:00:00.000Z'],
      ['updated', '2026-12-03T12:00:00.000Z'],
    ]);
  });

  test('shows the secret only when the view carries it', () => {
    expect(renderWebhook(toPublic(hook(), { showSecret: true }), plain)).toContain('whsec_super_secret_value');
    expect(renderWebhook(toPublic(hook()), plain)).not.toContain('whsec_super_secret_value');
  });

  test('says when there is no secret or description', () => {
    const text = renderWebhook(toPublic(hook({ secret: null, active: false })), plain);
    expect(text).toMatch(/^secret\s+none \(deliveries are not signed\)$/m);
    expect(text).toMatch(/^description\s+—$/m);
    expect(text).toMatch(/^active\s+no$/m);
  });
});

describe('renderEventCatalog', () => {
  test('lists the 7 events with what triggers them, and the wildcards', () => {
    const text = renderEventCatalog(plain);
    expect(text).not.toMatch(BOX_DRAWING);
    const rows = text.split('\n').filter((line) => /^(entity|variant)\./.test(line));
    expect(rows.map((line) => line.split(/\s+/)[0])).toEqual([...EVENT_NAMES]);
    expect(text).toContain('an entity moves between lifecycle states (e.g. Draft to Review)');
    expect(text).toContain('entityId, entityType, from, to');
    expect(text).toContain('entity.*, variant.*, *');
  });

  test('on a terminal it is a bordered table', () => {
    expect(renderEventCatalog(terminal)).toMatch(BOX_DRAWING);
  });
});

describe('style helpers', () => {
  test.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['eleven chars', 10, 'eleven ch…'],
  ])('truncate(%j, %i)', (text, max, expected) => {
    expect(truncate(text, max)).toBe(expected);
    expect(truncate(text, max).length).toBeLessThanOrEqual(max);
  });

  test('keyValues pads the labels', () => {
    expect(keyValues([['a', '1'], ['long', '2']], plain)).toBe('a     1\nlong  2');
  });

  test('plain table has no trailing spaces', () => {
    const text = table(['A', 'B'], [['x', ''], ['longer', 'y']], plain);
    expect(text.split('\n').every((line) => line === line.trimEnd())).toBe(true);
  });
});

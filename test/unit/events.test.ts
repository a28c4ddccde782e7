import { describe, expect, test } from 'vitest';
import {
  EVENT_CATALOG,
  EVENT_NAMES,
  isEventName,
  isSubscription,
  matchesEvent,
  sampleData,
  validEventList,
  WILDCARDS,
} from '../../src/core/events.js';

describe('the event catalog (SPEC §1)', () => {
  test('has exactly the seven events, in order', () => {
    expect([...EVENT_NAMES]).toEqual([
      'entity.created',
      'entity.updated',
      'entity.deleted',
      'entity.transition',
      'variant.created',
      'variant.updated',
      'variant.deleted',
    ]);
    expect(EVENT_CATALOG.map((e) => e.name)).toEqual([...EVENT_NAMES]);
  });

  test.each([
    ['entity.created', ['entityId', 'entityType', 'state', 'attributes']],
    ['entity.updated', ['entityId', 'entityType', 'changes']],
    ['entity.deleted', ['entityId', 'entityType']],
    ['entity.transition', ['entityId', 'entityType', 'from', 'to']],
    ['variant.created', ['entityId', 'variantId', 'attributes']],
    ['variant.updated', ['entityId', 'variantId', 'changes']],
    ['variant.deleted', ['entityId', 'variantId']],
  ] as const)('%s: catalog lists its data fields and the sample carries them', (name, fields) => {
    const info = EVENT_CATALOG.find((e) => e.name === name);
    expect(info?.dataFields).toEqual(fields);
    expect(info?.triggeredWhen.length).toBeGreaterThan(5);
    const sample = sampleData(name, 'abc');
    for (const field of fields) expect(sample).toHaveProperty(field);
    expect(sample.entityId).toBe('ent_abc');
  });

  test('the valid list names every event and wildcard', () => {
    expect(validEventList()).toBe([...EVENT_NAMES, ...WILDCARDS].join(', '));
  });

  test.each([
    ['entity.created', true, true],
    ['variant.deleted', true, true],
    ['entity.*', false, true],
    ['variant.*', false, true],
    ['*', false, true],
    ['entity', false, false],
    ['entity.', false, false],
    ['product.*', false, false],
    ['ENTITY.CREATED', false, false],
    ['', false, false],
  ])('%j: event %s, subscription %s', (name, event, subscription) => {
    expect(isEventName(name)).toBe(event);
    expect(isSubscription(name)).toBe(subscription);
  });
});

describe('matchesEvent', () => {
  test.each<[string[], string, boolean]>([
    [['entity.created'], 'entity.created', true],
    [['entity.created'], 'entity.updated', false],
    [['entity.*'], 'entity.created', true],
    [['entity.*'], 'entity.transition', true],
    [['entity.*'], 'variant.created', false],
    [['variant.*'], 'variant.updated', true],
    [['variant.*'], 'entity.updated', false],
    [['*'], 'entity.deleted', true],
    [['*'], 'variant.deleted', true],
    [['entity.deleted', 'variant.*'], 'variant.created', true],
    [['entity.deleted', 'variant.*'], 'entity.created', false],
    [[], 'entity.created', false],
    [['entity.*'], 'entityx.created', false],
  ])('%j receives %s: %s', (subscriptions, event, expected) => {
    expect(matchesEvent(subscriptions, event)).toBe(expected);
  });
});

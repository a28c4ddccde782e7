import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { buildBody, buildHeaders, type DeliveryEnvelope } from '../../src/core/payload.js';

const envelope: DeliveryEnvelope = {
  deliveryId: 'dlv_1',
  eventId: 'evt_1',
  event: 'entity.transition',
  webhookId: 'wh-lifecycle-slack',
  tenant: 'default',
  timestamp: '2026-12-03T12:00:00.000Z',
  // Key order, spacing, escapes and non-ASCII that a re-serialization would change.
  dataJson: '{"to":"Review","from":"Draft", "entityId":"ent_42","note":"caf\\u00e9 ✓","n":1.50}',
};

describe('buildBody', () => {
  test('has exactly the seven top-level keys of SPEC §4, in order', () => {
    const body = buildBody(envelope);
    const parsed = JSON.parse(body) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['deliveryId', 'eventId', 'event', 'webhookId', 'tenant', 'timestamp', 'data']);
    expect(parsed).toMatchObject({
      deliveryId: 'dlv_1',
      eventId: 'evt_1',
      event: 'entity.transition',
      webhookId: 'wh-lifecycle-slack',
      tenant: 'default',
      timestamp: '2026-12-03T12:00:00.000Z',
      data: { to: 'Review', from: 'Draft', entityId: 'ent_42', note: 'café ✓', n: 1.5 },
    });
  });

  test('carries the data bytes exactly as given', () => {
    const body = buildBody(envelope);
    expect(body.endsWith(`,"data":${envelope.dataJson}}`)).toBe(true);
  });

  test('is the same bytes every time (every attempt)', () => {
    expect(buildBody({ ...envelope })).toBe(buildBody(envelope));
  });

  test.each([
    ['quotes', 'a"b'],
    ['backslashes', 'a\\b'],
    ['newlines', 'a\nb'],
    ['unicode', 'ü✓'],
  ])('escapes %s in string fields', (_label, value) => {
    const parsed = JSON.parse(buildBody({ ...envelope, tenant: value, webhookId: value })) as Record<string, unknown>;
    expect(parsed.tenant).toBe(value);
    expect(parsed.webhookId).toBe(value);
  });

  test.each(['null', '[]', '"text"', '{}'])('accepts data %s', (dataJson) => {
    const parsed = JSON.parse(buildBody({ ...envelope, dataJson })) as Record<string, unknown>;
    expect(parsed.data).toEqual(JSON.parse(dataJson));
  });
});

describe('buildHeaders', () => {
  const body = buildBody(envelope);

  test('without a secret: the delivery headers and no signature', () => {
    expect(buildHeaders(envelope, 1, body, null, '1.2.3')).toEqual({
      'content-type': 'application/json',
      'user-agent': 'sigma-hooks/1.2.3',
      'x-sigma-event': 'entity.transition',
      'x-sigma-delivery': 'dlv_1',
      'x-sigma-webhook': 'wh-lifecycle-slack',
      'x-sigma-attempt': '1',
    });
  });

  test.each([1, 2, 3, 4])('attempt %i with a secret: signature over the body bytes', (attempt) => {
    const secret = 'whsec_0123456789abcdef';
    const headers = buildHeaders(envelope, attempt, body, secret, '0.1.0');
    expect(headers['x-sigma-attempt']).toBe(String(attempt));
    expect(headers['x-sigma-signature']).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  });
});

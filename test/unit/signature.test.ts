import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { checkTimestamp, sign, verifySignature } from '../../src/core/signature.js';

const SECRET = 'whsec_test_secret_0123456789';
const BODY = '{"deliveryId":"dlv_1","event":"entity.created","data":{"name":"Schuh é ✓"}}';
// Computed independently of the code under test.
const HEX = createHmac('sha256', Buffer.from(SECRET, 'utf8')).update(Buffer.from(BODY, 'utf8')).digest('hex');

describe('sign', () => {
  test('is sha256= and the lowercase hex HMAC-SHA256 of the raw body bytes', () => {
    expect(sign(SECRET, BODY)).toBe(`sha256=${HEX}`);
    expect(sign(SECRET, Buffer.from(BODY, 'utf8'))).toBe(`sha256=${HEX}`);
    expect(sign(SECRET, BODY)).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  test('matches a published HMAC-SHA256 test vector (RFC 4231 case 2)', () => {
    expect(sign('Jefe', 'what do ya want for nothing?')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  test('differs when one byte of the body differs', () => {
    expect(sign(SECRET, `${BODY} `)).not.toBe(sign(SECRET, BODY));
  });
});

describe('verifySignature', () => {
  test.each([
    ['with the sha256= prefix', `sha256=${HEX}`],
    ['without the prefix', HEX],
    ['in uppercase hex', HEX.toUpperCase()],
    ['with an uppercase prefix', `SHA256=${HEX}`],
    ['with surrounding whitespace', `  sha256=${HEX}\n`],
  ])('accepts the right signature %s', (_label, signature) => {
    expect(verifySignature(SECRET, BODY, signature)).toEqual({ valid: true });
  });

  test.each([
    ['empty', ''],
    ['only the prefix', 'sha256='],
    ['too short', `sha256=${HEX.slice(0, 63)}`],
    ['too long', `sha256=${HEX}0`],
    ['not hex', `sha256=${'z'.repeat(64)}`],
    ['another algorithm', `sha1=${HEX}`],
    ['base64', Buffer.from(HEX, 'hex').toString('base64')],
  ])('reports a malformed signature: %s', (_label, signature) => {
    const result = verifySignature(SECRET, BODY, signature);
    expect(result.valid).toBe(false);
    expect(result.valid ? '' : result.reason).toMatch(/^malformed signature/);
  });

  test.each([
    ['another secret', 'another_secret_0123456789', BODY],
    ['another body', SECRET, `${BODY} `],
    ['the body re-serialized', SECRET, JSON.stringify(JSON.parse(BODY), null, 2)],
  ])('reports a mismatch for %s', (_label, secret, body) => {
    const result = verifySignature(secret, body, `sha256=${HEX}`);
    expect(result.valid).toBe(false);
    expect(result.valid ? '' : result.reason).toMatch(/^signature mismatch/);
  });

  test('a flipped last hex digit is a mismatch', () => {
    const last = HEX.endsWith('0') ? '1' : '0';
    const result = verifySignature(SECRET, BODY, HEX.slice(0, -1) + last);
    expect(result.valid).toBe(false);
  });
});

describe('checkTimestamp', () => {
  const now = new Date('2026-12-03T12:05:00.000Z');
  const body = (timestamp: unknown) => JSON.stringify({ deliveryId: 'd', timestamp });

  test.each([
    ['fresh', '2026-12-03T12:04:00.000Z', 5 * 60_000],
    ['exactly at the tolerance', '2026-12-03T12:00:00.000Z', 5 * 60_000],
    ['in the future', '2026-12-03T12:10:00.000Z', 1_000],
  ])('accepts a %s timestamp', (_label, timestamp, tolerance) => {
    expect(checkTimestamp(body(timestamp), tolerance, now)).toBeUndefined();
  });

  test('refuses a stale timestamp, saying how old', () => {
    expect(checkTimestamp(body('2026-12-03T12:00:00.000Z'), 60_000, now)).toBe(
      'stale timestamp: 2026-12-03T12:00:00.000Z is 300s old, over the tolerance of 60s',
    );
    expect(checkTimestamp(body('2026-12-03T11:59:59.999Z'), 5 * 60_000, now)).toMatch(/^stale timestamp/);
  });

  test.each([
    ['not JSON', 'nope', /not JSON/],
    ['no timestamp', JSON.stringify({ a: 1 }), /no ISO-8601 "timestamp"/],
    ['a numeric timestamp', body(1_700_000_000), /no ISO-8601 "timestamp"/],
    ['an unparseable timestamp', body('yesterday'), /no ISO-8601 "timestamp"/],
  ])('explains a body with %s', (_label, text, message) => {
    expect(checkTimestamp(text, 60_000, now)).toMatch(message);
  });
});

import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_PREFIX = 'sha256=';

/** `sha256=<lowercase hex HMAC-SHA256(secret, body)>` over the raw body bytes. */
export function sign(secret: string, body: string | Uint8Array): string {
  return SIGNATURE_PREFIX + createHmac('sha256', secret).update(body).digest('hex');
}

export type VerifyResult =
  | { valid: true }
  | { valid: false; reason: string };

const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;

/**
 * Checks a signature with or without the `sha256=` prefix. The digests are compared with
 * `timingSafeEqual`, so the time taken says nothing about how much of the signature matched.
 */
export function verifySignature(secret: string, body: string | Uint8Array, signature: string): VerifyResult {
  const trimmed = signature.trim();
  const hex = trimmed.toLowerCase().startsWith(SIGNATURE_PREFIX) ? trimmed.slice(SIGNATURE_PREFIX.length) : trimmed;
  if (!HEX_DIGEST.test(hex)) {
    return { valid: false, reason: 'malformed signature: expected sha256= followed by 64 hex characters' };
  }
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(hex, 'hex');
  return timingSafeEqual(expected, given)
    ? { valid: true }
    : { valid: false, reason: 'signature mismatch: the body or the secret differs from what was signed' };
}

/**
 * With a tolerance, refuses a body whose `timestamp` is older than `toleranceMs` (replay guard).
 * Returns a reason, or undefined when the timestamp is fresh enough.
 */
export function checkTimestamp(body: string, toleranceMs: number, now: Date): string | undefined {
  let timestamp: unknown;
  try {
    timestamp = (JSON.parse(body) as { timestamp?: unknown }).timestamp;
  } catch {
    return 'the body is not JSON, so its timestamp cannot be checked';
  }
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) {
    return 'the body has no ISO-8601 "timestamp" to check against --tolerance';
  }
  const ageMs = now.getTime() - Date.parse(timestamp);
  if (ageMs > toleranceMs) {
    return `stale timestamp: ${timestamp} is ${Math.round(ageMs / 1000)}s old, over the tolerance of ${Math.round(toleranceMs / 1000)}s`;
  }
  return undefined;
}

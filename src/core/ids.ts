import { randomBytes } from 'node:crypto';

/** Random, URL-safe identifiers. Kept in one place so tests can reason about their shape. */
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const POOL_SIZE = 4096;

// One randomBytes call per 4 KiB of ids instead of one per id: emission makes several ids per
// request, and the per-call cost of the CSPRNG dominated the accept path.
let pool = randomBytes(POOL_SIZE);
let offset = 0;

function nextBytes(length: number): Buffer {
  if (offset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + length);
  offset += length;
  return bytes;
}

export function randomId(prefix: string, length = 20): string {
  // 252 is the largest multiple of 36 below 256: rejecting larger bytes keeps every character uniform.
  let out = prefix;
  while (out.length < prefix.length + length) {
    for (const byte of nextBytes(length)) {
      if (byte < 252 && out.length < prefix.length + length) out += ALPHABET[byte % 36];
    }
  }
  return out;
}

export function generateSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

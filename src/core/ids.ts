import { randomBytes } from 'node:crypto';

/** Random, URL-safe identifiers. Kept in one place so tests can reason about their shape. */
export type IdGenerator = (prefix: string) => string;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function randomId(prefix: string, length = 20): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

export function generateSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

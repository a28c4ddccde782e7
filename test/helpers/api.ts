/**
 * What only the REST API tests (test/api) need: the mask a secret shows as, the error document
 * of a response, and a seeded PRNG. Daemon processes, socket requests, polling and receivers come
 * from ./daemon.ts and ./receiver.ts.
 */
import type { FieldIssue } from '../../src/core/errors.js';
import type { SocketResponse } from './daemon.js';

/** What a set secret shows as in API responses (stated here rather than taken from src). */
export const MASK = '••••••••';

/** The body of every error response. */
export interface ApiError {
  code: string;
  message: string;
  fields?: FieldIssue[];
}

/** The `{error: {code, message, fields?}}` of an error response; fails loudly when the shape is wrong. */
export function errorOf(res: SocketResponse): ApiError {
  const body = res.json as { error?: { code?: unknown; message?: unknown; fields?: unknown } } | undefined;
  if (!body?.error || typeof body.error.code !== 'string' || typeof body.error.message !== 'string') {
    throw new Error(`not an error document (status ${res.status}): ${res.text.slice(0, 500)}`);
  }
  return body.error as ApiError;
}

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32)

export interface Random {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!,
    chance: (p: number) => next() < p,
  };
}

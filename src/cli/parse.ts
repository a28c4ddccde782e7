/** Pure parsers for flag values; each error names the flag and the fix. */
import { UsageError } from '../core/errors.js';

export function parseList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function parseBoolean(text: string, flag: string): boolean {
  const normalized = text.trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(normalized)) return true;
  if (['false', 'no', '0', 'off'].includes(normalized)) return false;
  throw new UsageError(`${flag}: "${text}" is not a boolean; use true or false`);
}

export function parsePositiveInt(text: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag}: "${text}" must be a positive whole number`);
  const value = Number(text);
  if (value < 1 || value > max) throw new UsageError(`${flag}: ${value} must be between 1 and ${max}`);
  return value;
}

export function parseNonNegativeInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag}: "${text}" must be a whole number (0 or more)`);
  return Number(text);
}

export function parseStatusCode(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d{3}$/.test(text.trim()) || value < 100 || value > 599) {
    throw new UsageError(`${flag}: "${text}" must be an HTTP status code between 100 and 599`);
  }
  return value;
}

/**
 * `--set key=value`: dotted keys address nested objects (`attributes.price=10`); values that
 * parse as JSON (numbers, booleans, null, objects) are used as such, anything else as a string.
 */
export function applySet(target: Record<string, unknown>, assignment: string): Record<string, unknown> {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set: "${assignment}" must look like key=value (e.g. --set entityId=ent_42)`);
  const path = assignment.slice(0, eq).split('.');
  if (path.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
    throw new UsageError(`--set: "${assignment.slice(0, eq)}" is not a valid key path`);
  }
  const raw = assignment.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: keep it as the plain string the user typed.
  }
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return target;
}

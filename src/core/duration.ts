import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Parses `250ms`, `10s`, `5m`, `1h` into milliseconds. `field` names the flag in the error. */
export function parseDuration(text: string, field: string): number {
  const match = DURATION.exec(text.trim());
  const unit = match?.[2];
  if (!match || unit === undefined) {
    throw new UsageError(`${field}: "${text}" is not a duration; use a number with ms, s, m or h (e.g. 250ms, 10s, 5m)`);
  }
  return Math.round(Number(match[1]) * (UNITS[unit] ?? 1));
}

/** Parses a comma-separated list of durations such as `10s,60s,300s`. */
export function parseDurationList(text: string, field: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new UsageError(`${field}: "${text}" must be a comma-separated list of durations, e.g. 10s,60s,300s`);
  }
  return parts.map((p) => parseDuration(p, field));
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)}m`;
  return `${+(ms / 3_600_000).toFixed(1)}h`;
}

import type { Attempt } from '../../core/delivery.js';
import { formatDuration } from '../../core/duration.js';
import type { DeliveryView } from '../../core/views.js';
import type { AttemptReport } from '../../daemon/dispatcher.js';
import { keyValues, table, truncate, type Style } from './style.js';

export function statusLabel(status: string, style: Style): string {
  switch (status) {
    case 'succeeded': return style.color.green(status);
    case 'failed': return style.color.red(status);
    case 'cancelled': return style.color.gray(status);
    case 'retrying': return style.color.yellow(status);
    default: return style.color.cyan(status);
  }
}

export function attemptOutcome(attempt: Attempt): string {
  return attempt.statusCode !== undefined ? `HTTP ${attempt.statusCode}` : (attempt.error ?? 'unknown');
}

/** "in 9s" / "3m ago" relative to `now`. */
export function relative(iso: string, now: number): string {
  const delta = Date.parse(iso) - now;
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

export function renderDeliveryList(deliveries: readonly DeliveryView[], style: Style, now: number): string {
  if (deliveries.length === 0) return 'No deliveries match. Emit one with: sigma-hooks emit entity.created';
  return table(
    ['DELIVERY', 'EVENT', 'WEBHOOK', 'STATUS', 'ATTEMPTS', 'LAST RESULT', 'NEXT ATTEMPT', 'CREATED'],
    deliveries.map((d) => [
      d.deliveryId,
      d.event,
      d.webhookId,
      statusLabel(d.status, style),
      String(d.attemptCount),
      d.lastAttempt ? truncate(attemptOutcome(d.lastAttempt), 40) : '—',
      d.nextAttemptAt ? relative(d.nextAttemptAt, now) : '—',
      d.createdAt,
    ]),
    style,
  );
}

export function renderDelivery(delivery: DeliveryView, style: Style, now: number): string {
  const pairs: Array<[string, string]> = [
    ['delivery', style.color.bold(delivery.deliveryId)],
    ['event', `${delivery.event} (${delivery.eventId})`],
    ['webhook', delivery.webhookId],
    ['status', statusLabel(delivery.status, style)],
    ['created', delivery.createdAt],
  ];
  if (delivery.nextAttemptAt) pairs.push(['next attempt', `${delivery.nextAttemptAt} (${relative(delivery.nextAttemptAt, now)})`]);
  if (delivery.cancelReason) pairs.push(['cancelled', delivery.cancelReason]);
  const head = keyValues(pairs, style);
  const attempts = delivery.attempts ?? [];
  if (attempts.length === 0) return `${head}\n\nNo attempts yet.`;
  const rows = table(
    ['#', 'STARTED', 'DURATION', 'RESULT', 'RESPONSE'],
    attempts.map((a) => [
      String(a.attempt),
      a.startedAt,
      formatDuration(a.durationMs),
      a.statusCode !== undefined && a.statusCode >= 200 && a.statusCode < 300 ? style.color.green(attemptOutcome(a)) : style.color.red(attemptOutcome(a)),
      truncate((a.responseBody ?? '').replace(/\s+/g, ' '), 60),
    ]),
    style,
  );
  return `${head}\n\n${rows}`;
}

/** One line per attempt, as the foreground daemon logs them. */
export function renderAttemptLine(report: AttemptReport, style: Style): string {
  const { delivery, attempt } = report;
  const ok = report.outcome === 'succeeded';
  const mark = ok ? style.color.green('✔') : style.color.red('✖');
  const endedAt = Date.parse(attempt.startedAt) + attempt.durationMs;
  let next = '';
  if (report.outcome === 'retrying' && report.nextAttemptAt !== null) {
    next = style.color.yellow(` retry in ${formatDuration(report.nextAttemptAt - endedAt)}`);
  } else if (report.outcome === 'failed') {
    next = style.color.red(` failed after ${attempt.attempt} attempts`);
  }
  return `${new Date(endedAt).toISOString()} ${mark} ${delivery.event} ${delivery.deliveryId} → ${delivery.webhookId} ${report.url}` +
    ` attempt ${attempt.attempt}/${report.maxAttempts} ${attemptOutcome(attempt)} ${formatDuration(attempt.durationMs)}${next}`;
}

import { EVENT_CATALOG, WILDCARDS } from '../../core/events.js';
import type { PublicWebhook } from '../../core/webhook.js';
import { keyValues, table, truncate, type Style } from './style.js';

function activeLabel(active: boolean, style: Style): string {
  return active ? style.color.green('yes') : style.color.yellow('no');
}

export function renderWebhookList(webhooks: readonly PublicWebhook[], tenant: string, style: Style): string {
  if (webhooks.length === 0) {
    return `No webhooks in tenant "${tenant}". Create one with:\n  sigma-hooks create --name NAME --url URL --events entity.created`;
  }
  return table(
    ['ID', 'NAME', 'URL', 'EVENTS', 'ACTIVE', 'SECRET'],
    webhooks.map((w) => [
      w.id,
      truncate(w.name, 40),
      truncate(w.url, 60),
      w.events.join(','),
      activeLabel(w.active, style),
      w.secret ?? style.color.dim('none'),
    ]),
    style,
  );
}

export function renderWebhook(webhook: PublicWebhook, style: Style): string {
  return keyValues(
    [
      ['id', style.color.bold(webhook.id)],
      ['name', webhook.name],
      ['url', webhook.url],
      ['events', webhook.events.join(', ')],
      ['active', activeLabel(webhook.active, style)],
      ['secret', webhook.secret ?? style.color.dim('none (deliveries are not signed)')],
      ['description', webhook.description ?? style.color.dim('—')],
      ['created', webhook.createdAt],
      ['updated', webhook.updatedAt],
    ],
    style,
  );
}

export function renderEventCatalog(style: Style): string {
  const events = table(
    ['EVENT', 'TRIGGERED WHEN', 'DATA (AT LEAST)'],
    EVENT_CATALOG.map((e) => [e.name, e.triggeredWhen, e.dataFields.join(', ')]),
    style,
  );
  return `${events}\n\nSubscriptions may also use the wildcards ${WILDCARDS.join(', ')}.`;
}

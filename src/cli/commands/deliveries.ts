import { DELIVERY_STATUSES } from '../../core/delivery.js';
import { UsageError } from '../../core/errors.js';
import type { DeliveryView } from '../../core/views.js';
import { styleOf, type CommandContext } from '../context.js';
import { daemonClient } from '../daemon-access.js';
import { parsePositiveInt } from '../parse.js';
import { renderDeliveryList } from '../render/deliveries.js';

export interface DeliveriesOptions {
  webhook?: string;
  event?: string;
  status?: string;
  limit?: string;
}

export function deliveriesQuery(options: DeliveriesOptions): string {
  const query = new URLSearchParams();
  if (options.webhook !== undefined) query.set('webhookId', options.webhook);
  if (options.event !== undefined) query.set('event', options.event);
  if (options.status !== undefined) {
    if (!(DELIVERY_STATUSES as readonly string[]).includes(options.status)) {
      throw new UsageError(`--status: unknown status "${options.status}"; valid: ${DELIVERY_STATUSES.join(', ')}`);
    }
    query.set('status', options.status);
  }
  if (options.limit !== undefined) query.set('limit', String(parsePositiveInt(options.limit, '--limit', 10_000)));
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

export async function run(ctx: CommandContext, options: DeliveriesOptions): Promise<void> {
  const deliveries = await daemonClient(ctx).request<DeliveryView[]>('GET', `/api/v1/deliveries${deliveriesQuery(options)}`);
  if (ctx.out.json) ctx.out.printJson(deliveries);
  else ctx.out.print(renderDeliveryList(deliveries, styleOf(ctx), Date.now()));
}

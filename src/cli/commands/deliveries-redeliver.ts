import type { DeliveryView } from '../../core/views.js';
import type { CommandContext } from '../context.js';
import { daemonClient } from '../daemon-access.js';

export async function run(ctx: CommandContext, deliveryId: string): Promise<void> {
  const delivery = await daemonClient(ctx).request<DeliveryView>('POST', `/api/v1/deliveries/${encodeURIComponent(deliveryId)}/redeliver`);
  if (ctx.out.json) ctx.out.printJson(delivery);
  else ctx.out.print(`${ctx.out.color.green('✔')} Redelivering ${delivery.deliveryId} → ${delivery.webhookId} (a new attempt chain, same deliveryId and body)`);
}

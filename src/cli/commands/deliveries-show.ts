import type { DeliveryView } from '../../core/views.js';
import { styleOf, type CommandContext } from '../context.js';
import { daemonClient } from '../daemon-access.js';
import { renderDelivery } from '../render/deliveries.js';

export async function run(ctx: CommandContext, deliveryId: string): Promise<void> {
  const delivery = await daemonClient(ctx).request<DeliveryView>('GET', `/api/v1/deliveries/${encodeURIComponent(deliveryId)}`);
  if (ctx.out.json) ctx.out.printJson(delivery);
  else ctx.out.print(renderDelivery(delivery, styleOf(ctx), Date.now()));
}

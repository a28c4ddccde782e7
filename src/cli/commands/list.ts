import { toPublic } from '../../core/webhook.js';
import { styleOf, type CommandContext } from '../context.js';
import { renderWebhookList } from '../render/webhooks.js';
import { readStore } from '../store-access.js';

export async function run(ctx: CommandContext): Promise<void> {
  const webhooks = (await readStore(ctx).list(ctx.tenant)).map((w) => toPublic(w));
  if (ctx.out.json) ctx.out.printJson(webhooks);
  else ctx.out.print(renderWebhookList(webhooks, ctx.tenant, styleOf(ctx)));
}

import { toPublic } from '../../core/webhook.js';
import { styleOf, type CommandContext } from '../context.js';
import { renderWebhook } from '../render/webhooks.js';
import { readStore } from '../store-access.js';

export async function run(ctx: CommandContext, id: string, options: { showSecret?: boolean }): Promise<void> {
  const view = toPublic(await readStore(ctx).get(ctx.tenant, id), { showSecret: Boolean(options.showSecret) });
  if (ctx.out.json) ctx.out.printJson(view);
  else ctx.out.print(renderWebhook(view, styleOf(ctx)));
}

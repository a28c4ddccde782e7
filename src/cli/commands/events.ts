import { EVENT_CATALOG } from '../../core/events.js';
import { styleOf, type CommandContext } from '../context.js';
import { renderEventCatalog } from '../render/webhooks.js';

export async function run(ctx: CommandContext): Promise<void> {
  if (ctx.out.json) {
    ctx.out.printJson(EVENT_CATALOG);
  } else {
    ctx.out.print(renderEventCatalog(styleOf(ctx)));
  }
}

import { OperationError, UsageError } from '../../core/errors.js';
import { toPublic } from '../../core/webhook.js';
import type { CommandContext } from '../context.js';
import { readStore, writeStore } from '../store-access.js';

export async function run(ctx: CommandContext, id: string, options: { yes?: boolean }): Promise<void> {
  // Fail on an unknown id before asking anything.
  const existing = await readStore(ctx).get(ctx.tenant, id);
  if (!options.yes) {
    if (!ctx.out.interactive) {
      throw new UsageError(`refusing to delete "${id}" without confirmation: not on a terminal`, {
        hint: `Pass --yes to delete without asking: sigma-hooks delete ${id} --yes`,
      });
    }
    const { confirm } = await import('@inquirer/prompts');
    const { cancellable, promptTheme } = await import('../prompts.js');
    const sure = await cancellable(() => confirm({
      message: `Delete webhook ${existing.id} (${existing.name}, ${existing.url})?`,
      default: false,
      ...promptTheme(ctx.out.color.level > 0),
    }));
    if (!sure) throw new OperationError('not deleted: cancelled at the prompt');
  }
  const removed = await (await writeStore(ctx)).delete(ctx.tenant, id);
  if (ctx.out.json) ctx.out.printJson({ deleted: true, webhook: toPublic(removed) });
  else ctx.out.print(`${ctx.out.color.green('✔')} Deleted webhook ${ctx.out.color.bold(removed.id)}`);
}

import type { CommandContext } from '../context.js';
import { updateAndPrint } from './update.js';

export async function run(ctx: CommandContext, id: string): Promise<void> {
  await updateAndPrint(ctx, id, { active: true }, 'Enabled');
}

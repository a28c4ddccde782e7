import { OperationError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';

export async function run(_ctx: CommandContext): Promise<void> {
  throw new OperationError('not implemented yet');
}

import type { Output } from './output.js';
import type { Style } from './render/style.js';
import { homePaths, type HomePaths } from '../store/home.js';

/** What every command receives: resolved global options and its output. */
export interface CommandContext {
  home: string;
  paths: HomePaths;
  tenant: string;
  out: Output;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  /** A signal aborted on Ctrl-C, for long-running commands (listen, emit --wait). */
  signal: AbortSignal;
}

export function makeContext(fields: Omit<CommandContext, 'paths'>): CommandContext {
  return { ...fields, paths: homePaths(fields.home) };
}

/** How the renderers should draw for this command's output. */
export function styleOf(ctx: CommandContext): Style {
  return { color: ctx.out.color, tty: ctx.out.tty };
}

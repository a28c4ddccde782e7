import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DaemonClient } from '../client/daemon-client.js';
import type { CommandContext } from './context.js';

/** `sigma-hooks daemon start`, with `--home` when the user is not on the default home. */
export function startCommand(ctx: CommandContext): string {
  const isDefault = resolve(ctx.home) === resolve(join(homedir(), '.sigma-hooks'));
  return isDefault ? 'sigma-hooks daemon start' : `sigma-hooks --home ${ctx.home} daemon start`;
}

export function daemonClient(ctx: CommandContext): DaemonClient {
  return new DaemonClient(ctx.paths.socket, ctx.tenant, startCommand(ctx));
}

export interface Health {
  status: string;
  version: string;
  pid: number;
  uptimeSeconds: number;
  queue: { pending: number; retrying: number; delivering: number };
}

import { chmod, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { validateTenant } from '../core/webhook.js';

export const DEFAULT_TENANT = 'default';

/** Every file the tool keeps, all inside one home folder (SPEC §3). */
export interface HomePaths {
  home: string;
  webhooks: string;
  journal: string;
  socket: string;
  pid: string;
  log: string;
}

export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? (env.SIGMA_HOOKS_HOME || undefined) ?? join(homedir(), '.sigma-hooks');
  return resolve(chosen);
}

export function resolveTenant(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined) return validateTenant(flag, '--tenant');
  const fromEnv = env.SIGMA_HOOKS_TENANT;
  if (fromEnv) return validateTenant(fromEnv, 'SIGMA_HOOKS_TENANT');
  return DEFAULT_TENANT;
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    webhooks: join(home, 'webhooks.json'),
    journal: join(home, 'deliveries.jsonl'),
    socket: join(home, 'daemon.sock'),
    pid: join(home, 'daemon.pid'),
    log: join(home, 'daemon.log'),
  };
}

/** Creates the home folder 0700 (secrets live there) and tightens it if it already existed. */
export async function ensureHome(home: string): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  await chmod(home, 0o700);
}

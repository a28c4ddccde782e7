import { ensureHome } from '../store/home.js';
import { WebhookStore } from '../store/webhook-store.js';
import type { CommandContext } from './context.js';

/** The store for reading: a missing home folder simply has no webhooks yet. */
export function readStore(ctx: CommandContext): WebhookStore {
  return new WebhookStore(ctx.paths.webhooks);
}

/** The store for changing: creates the home folder (0700) first. */
export async function writeStore(ctx: CommandContext): Promise<WebhookStore> {
  await ensureHome(ctx.home);
  return new WebhookStore(ctx.paths.webhooks);
}

import { UsageError } from '../../core/errors.js';
import { applyPatch, toPublic, type Webhook, type WebhookPatch } from '../../core/webhook.js';
import { styleOf, type CommandContext } from '../context.js';
import { withFlagNames } from '../flags.js';
import { parseBoolean, parseList } from '../parse.js';
import { renderWebhook } from '../render/webhooks.js';
import { writeStore } from '../store-access.js';

export interface UpdateOptions {
  name?: string;
  url?: string;
  events?: string;
  addEvents?: string;
  removeEvents?: string;
  description?: string;
  secret?: string;
  removeSecret?: boolean;
  active?: string;
}

export function toPatch(options: UpdateOptions): WebhookPatch {
  const patch: WebhookPatch = {};
  if (options.name !== undefined) patch.name = options.name;
  if (options.url !== undefined) patch.url = options.url;
  if (options.events !== undefined) patch.events = parseList(options.events);
  if (options.addEvents !== undefined) patch.addEvents = parseList(options.addEvents);
  if (options.removeEvents !== undefined) patch.removeEvents = parseList(options.removeEvents);
  if (options.description !== undefined) patch.description = options.description === '' ? null : options.description;
  if (options.secret !== undefined && options.removeSecret) {
    throw new UsageError('--secret and --remove-secret cannot be used together; pass one of them');
  }
  if (options.secret !== undefined) patch.secret = options.secret;
  if (options.removeSecret) patch.secret = null;
  if (options.active !== undefined) patch.active = parseBoolean(options.active, '--active');
  return patch;
}

/** Shared by update, enable and disable: patch under the store lock, then print the result. */
export async function updateAndPrint(ctx: CommandContext, id: string, patch: WebhookPatch, verb: string): Promise<Webhook> {
  const store = await writeStore(ctx);
  const updated = await withFlagNames(() => store.update(ctx.tenant, id, (current) => applyPatch(current, patch, new Date())));
  const view = toPublic(updated);
  if (ctx.out.json) {
    ctx.out.printJson(view);
  } else {
    ctx.out.print(`${ctx.out.color.green('✔')} ${verb} webhook ${ctx.out.color.bold(updated.id)}`);
    ctx.out.print(renderWebhook(view, styleOf(ctx)));
  }
  return updated;
}

export async function run(ctx: CommandContext, id: string, options: UpdateOptions): Promise<void> {
  const patch = toPatch(options);
  if (Object.keys(patch).length === 0) {
    throw new UsageError('nothing to update: pass at least one of --name, --url, --events, --add-events, --remove-events, --description, --secret, --remove-secret, --active');
  }
  await updateAndPrint(ctx, id, patch, 'Updated');
}

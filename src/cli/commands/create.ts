import { UsageError } from '../../core/errors.js';
import { generateSecret, randomId } from '../../core/ids.js';
import { toPublic, validateNewWebhook } from '../../core/webhook.js';
import { styleOf, type CommandContext } from '../context.js';
import { withFlagNames } from '../flags.js';
import { parseList } from '../parse.js';
import type { CreateOptions } from '../prompts.js';
import { renderWebhook } from '../render/webhooks.js';
import { writeStore } from '../store-access.js';

const REQUIRED = [
  ['name', '--name'],
  ['url', '--url'],
  ['events', '--events'],
] as const;

export async function run(ctx: CommandContext, options: CreateOptions): Promise<void> {
  if (options.secret !== undefined && options.generateSecret) {
    throw new UsageError('--secret and --generate-secret cannot be used together; pass one of them');
  }
  let filled = options;
  const missing = REQUIRED.filter(([key]) => options[key] === undefined).map(([, flag]) => flag);
  if (missing.length > 0) {
    if (!ctx.out.interactive || ctx.out.json) {
      throw new UsageError(`missing required ${missing.length === 1 ? 'flag' : 'flags'} ${missing.join(', ')}`, {
        hint: 'Example: sigma-hooks create --name "ERP sync" --url https://erp.example.com/hooks --events entity.created',
      });
    }
    const { promptForMissing } = await import('../prompts.js');
    filled = await promptForMissing(options, {}, { color: ctx.out.color.level > 0 });
  }

  const secret = filled.generateSecret ? generateSecret() : filled.secret;
  const webhook = await withFlagNames(async () => validateNewWebhook(
    {
      ...(filled.id === undefined ? {} : { id: filled.id }),
      name: filled.name,
      url: filled.url,
      events: filled.events === undefined ? undefined : parseList(filled.events),
      description: filled.description,
      secret,
      active: !filled.inactive,
    },
    { tenant: ctx.tenant, now: new Date(), newId: () => randomId('wh_') },
  ));
  const store = await writeStore(ctx);
  const created = await store.create(webhook);

  // A generated secret exists nowhere else yet, so it is shown once, here.
  const view = toPublic(created, { showSecret: Boolean(filled.generateSecret) });
  if (ctx.out.json) {
    ctx.out.printJson(view);
    return;
  }
  ctx.out.print(`${ctx.out.color.green('✔')} Created webhook ${ctx.out.color.bold(created.id)}`);
  ctx.out.print(renderWebhook(view, styleOf(ctx)));
  if (filled.generateSecret) {
    ctx.out.print(`\nSave this secret now — it is shown once (later: sigma-hooks get ${created.id} --show-secret).`);
  }
}

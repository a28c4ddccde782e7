import { setTimeout as sleep } from 'node:timers/promises';
import { FINISHED, type DeliveryStatus, type EmitAnswer } from '../../core/delivery.js';
import { OperationError, UsageError, quote } from '../../core/errors.js';
import { EVENT_NAMES, isEventName, sampleData } from '../../core/events.js';
import { randomId } from '../../core/ids.js';
import type { DeliveryView } from '../../core/views.js';
import { styleOf, type CommandContext } from '../context.js';
import { daemonClient } from '../daemon-access.js';
import { readTextArg } from '../input.js';
import { applySet } from '../parse.js';
import { attemptOutcome, statusLabel } from '../render/deliveries.js';

export interface EmitOptions {
  data?: string;
  set: string[];
  idempotencyKey?: string;
  wait?: boolean;
}

const WAIT_POLL_MS = 100;

export async function buildData(event: string, options: EmitOptions, stdin: NodeJS.ReadableStream): Promise<Record<string, unknown>> {
  if (!isEventName(event)) {
    throw new UsageError(`EVENT: unknown event ${quote(event)}; valid: ${EVENT_NAMES.join(', ')}`, {
      hint: 'Run `sigma-hooks events` for the catalog.',
    });
  }
  let data: Record<string, unknown>;
  if (options.data === undefined) {
    data = sampleData(event, randomId('', 8));
  } else {
    const text = await readTextArg(options.data, '--data', stdin);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--data: not valid JSON (${(error as Error).message})`, { hint: `Example: --data '{"entityId":"ent_42"}'` });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError('--data: must be a JSON object, e.g. {"entityId":"ent_42"}');
    }
    data = parsed as Record<string, unknown>;
  }
  for (const assignment of options.set) applySet(data, assignment);
  return data;
}

export async function run(ctx: CommandContext, event: string, options: EmitOptions): Promise<void> {
  const data = await buildData(event, options, ctx.stdin);
  const client = daemonClient(ctx);
  const answer = await client.request<EmitAnswer>('POST', '/events', {
    event,
    data,
    ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
  });
  const { color } = ctx.out;

  if (!options.wait) {
    if (ctx.out.json) ctx.out.printJson(answer);
    else printAnswer(ctx, event, answer);
    return;
  }

  if (!ctx.out.json) printAnswer(ctx, event, answer);
  const spinner = ctx.out.tty && !ctx.out.json
    ? (await import('ora')).default({ text: `waiting for ${answer.deliveries.length} deliveries…`, stream: process.stderr }).start()
    : undefined;
  const outcomes = new Map<string, DeliveryView>();
  try {
    while (outcomes.size < answer.deliveries.length) {
      if (ctx.signal.aborted) throw new OperationError('stopped waiting (the deliveries go on in the daemon)');
      for (const { deliveryId } of answer.deliveries) {
        if (outcomes.has(deliveryId)) continue;
        const view = await client.request<DeliveryView>('GET', `/api/v1/deliveries/${encodeURIComponent(deliveryId)}`);
        if (FINISHED.has(view.status)) {
          outcomes.set(deliveryId, view);
          if (!ctx.out.json) {
            spinner?.clear();
            ctx.out.print(`  ${deliveryId} → ${view.webhookId}: ${statusLabel(view.status, styleOf(ctx))}${describeLast(view)}`);
          }
        } else if (spinner) {
          const last = view.lastAttempt ? `, last: ${attemptOutcome(view.lastAttempt)}` : '';
          spinner.text = `${deliveryId} ${view.status} (attempt ${view.attemptCount}${last})`;
        }
      }
      if (outcomes.size < answer.deliveries.length) await sleep(WAIT_POLL_MS);
    }
  } finally {
    spinner?.stop();
  }
  const failed = [...outcomes.values()].filter((d) => d.status !== 'succeeded');
  if (ctx.out.json) {
    ctx.out.printJson({
      eventId: answer.eventId,
      deliveries: answer.deliveries.map((d) => ({ ...d, status: outcomes.get(d.deliveryId)?.status as DeliveryStatus })),
    });
  }
  if (failed.length > 0) {
    throw new OperationError(`${failed.length} of ${answer.deliveries.length} deliveries did not succeed`, {
      hint: `Inspect with: sigma-hooks deliveries show ${failed[0]!.deliveryId}`,
    });
  }
  if (!ctx.out.json && answer.deliveries.length > 0) ctx.out.print(color.green(`✔ all ${answer.deliveries.length} deliveries succeeded`));
}

function describeLast(view: DeliveryView): string {
  if (view.status === 'cancelled') return ` (${view.cancelReason ?? 'cancelled'})`;
  const last = view.lastAttempt;
  return last ? ` after ${view.attemptCount} ${view.attemptCount === 1 ? 'attempt' : 'attempts'} (${attemptOutcome(last)})` : '';
}

function printAnswer(ctx: CommandContext, event: string, answer: EmitAnswer): void {
  const { color } = ctx.out;
  ctx.out.print(`${color.green('✔')} Emitted ${color.bold(event)} ${answer.eventId}`);
  if (answer.deliveries.length === 0) {
    ctx.out.print(color.yellow(`  no active webhook in tenant "${ctx.tenant}" subscribes to ${event}; nothing to deliver`));
    return;
  }
  for (const d of answer.deliveries) ctx.out.print(`  ${d.deliveryId} → ${d.webhookId}`);
}

import { OperationError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { checkTimestamp, verifySignature } from '../../core/signature.js';
import type { CommandContext } from '../context.js';
import { readBytesArg } from '../input.js';

export interface VerifyOptions {
  secret: string;
  signature: string;
  body: string;
  tolerance?: string;
}

export async function run(ctx: CommandContext, options: VerifyOptions): Promise<void> {
  const toleranceMs = options.tolerance === undefined ? undefined : parseDuration(options.tolerance, '--tolerance');
  const body = await readBytesArg(options.body, '--body', ctx.stdin);
  const result = verifySignature(options.secret, body, options.signature);
  let reason = result.valid ? undefined : result.reason;
  if (reason === undefined && toleranceMs !== undefined) {
    reason = checkTimestamp(body.toString('utf8'), toleranceMs, new Date());
  }
  if (ctx.out.json) ctx.out.printJson(reason === undefined ? { valid: true } : { valid: false, reason });
  if (reason !== undefined) {
    // In JSON mode the document above already says why; the error still sets exit code 1.
    throw new OperationError(`invalid: ${reason}`, reason.startsWith('signature mismatch')
      ? { hint: 'Verify the exact raw body bytes you received; re-serialized JSON changes them.' }
      : {});
  }
  if (!ctx.out.json) ctx.out.print(ctx.out.color.green('valid'));
}

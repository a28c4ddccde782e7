/**
 * Interactive completion of `create`: asks only for what the flags left out and returns the same
 * options object the flags fill, validated as the user types by the core's field rules.
 */
import { checkbox, confirm, input } from '@inquirer/prompts';
import type { Context } from '@inquirer/type';
import { EVENT_CATALOG, WILDCARDS } from '../core/events.js';
import { fieldProblem } from '../core/webhook.js';

export interface CreateOptions {
  id?: string;
  name?: string;
  url?: string;
  events?: string;
  description?: string;
  secret?: string;
  generateSecret?: boolean;
  inactive?: boolean;
}

export async function promptForMissing(options: CreateOptions, io: Context = {}): Promise<CreateOptions> {
  const filled: CreateOptions = { ...options };
  if (filled.name === undefined) {
    filled.name = await input({ message: 'Name', validate: (v) => fieldProblem('name', v) ?? true }, io);
  }
  if (filled.url === undefined) {
    filled.url = await input({ message: 'Receiver URL', validate: (v) => fieldProblem('url', v.trim()) ?? true }, io);
    filled.url = filled.url.trim();
  }
  if (filled.events === undefined) {
    const events = await checkbox(
      {
        message: 'Events',
        choices: [
          ...EVENT_CATALOG.map((e) => ({ name: e.name, value: e.name, description: e.triggeredWhen })),
          ...WILDCARDS.map((w) => ({ name: w, value: w as string, description: 'wildcard' })),
        ],
        required: true,
        pageSize: 10,
      },
      io,
    );
    filled.events = events.join(',');
  }
  if (filled.secret === undefined && filled.generateSecret === undefined) {
    filled.generateSecret = await confirm({ message: 'Sign deliveries with a generated secret?', default: true }, io);
  }
  return filled;
}

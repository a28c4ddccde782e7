/**
 * Interactive completion of `create`: asks only for what the flags left out and returns the same
 * options object the flags fill, validated as the user types by the core's field rules.
 */
import { checkbox, confirm, input } from '@inquirer/prompts';
import type { Context } from '@inquirer/type';
import { OperationError } from '../core/errors.js';
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

const plain = (text: string): string => text;

/**
 * Inquirer colours its prompts by itself and honours NO_COLOR, but cannot know about --no-color:
 * with colour off the prompts get this theme, which is the default one without colour.
 */
export const PLAIN_PROMPT_THEME = {
  prefix: { idle: '?', done: '✔' },
  spinner: { interval: 80, frames: ['-', '\\', '|', '/'] },
  style: {
    answer: plain,
    message: plain,
    help: plain,
    highlight: plain,
    description: plain,
    error: (text: string) => `> ${text}`,
    defaultAnswer: (text: string) => `(${text})`,
    key: (text: string) => `<${text}>`,
    disabledChoice: (text: string) => `- ${text}`,
    keysHelpTip: (keys: Array<[string, string]>) => keys.map(([key, action]) => `${key} ${action}`).join(' • '),
  },
  icon: { checked: '◉' },
};

/** Prompt config for the colour setting: inquirer's own theme, or the plain one. */
export function promptTheme(color: boolean): { theme?: typeof PLAIN_PROMPT_THEME } {
  return color ? {} : { theme: PLAIN_PROMPT_THEME };
}

/** Ctrl-C at a prompt is the user's choice, not a crash: it becomes a cancelled operation (exit 1). */
export async function cancellable<T>(prompt: () => Promise<T>): Promise<T> {
  try {
    return await prompt();
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new OperationError('cancelled at the prompt; nothing was changed');
    }
    throw error;
  }
}

export function promptForMissing(
  options: CreateOptions,
  io: Context = {},
  { color = true }: { color?: boolean } = {},
): Promise<CreateOptions> {
  return cancellable(() => askForMissing(options, io, color));
}

async function askForMissing(options: CreateOptions, io: Context, color: boolean): Promise<CreateOptions> {
  const themed = promptTheme(color);
  const filled: CreateOptions = { ...options };
  if (filled.name === undefined) {
    filled.name = await input({ message: 'Name', validate: (v) => fieldProblem('name', v) ?? true, ...themed }, io);
  }
  if (filled.url === undefined) {
    filled.url = await input({ message: 'Receiver URL', validate: (v) => fieldProblem('url', v.trim()) ?? true, ...themed }, io);
    filled.url = filled.url.trim();
  }
  if (filled.events === undefined) {
    const events = await checkbox(
      {
        ...themed,
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
    filled.generateSecret = await confirm({ message: 'Sign deliveries with a generated secret?', default: true, ...themed }, io);
  }
  return filled;
}

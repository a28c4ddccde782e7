import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';

export interface Style {
  color: ChalkInstance;
  /** On a terminal tables get borders; otherwise plain aligned columns that grep and awk like. */
  tty: boolean;
}

const PLAIN_CHARS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '  ',
};

const COMPACT_CHARS = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

export function table(head: string[], rows: string[][], style: Style): string {
  const t = new Table({
    head: head.map((h) => style.color.bold(h)),
    style: style.tty ? { head: [], border: [] } : { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    // Borders around, no rule between rows: long lists stay readable.
    chars: style.tty ? COMPACT_CHARS : PLAIN_CHARS,
    wordWrap: false,
  });
  t.push(...rows);
  const text = t.toString();
  // Plain tables keep cli-table3's padding at line ends; trim it so output diffs cleanly.
  return style.tty ? text : text.split('\n').map((line) => line.trimEnd()).join('\n');
}

/** Two columns, label and value: the shape of `get` and `deliveries show`. */
export function keyValues(pairs: Array<[string, string]>, style: Style): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${style.color.dim(k.padEnd(width))}  ${v}`).join('\n');
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

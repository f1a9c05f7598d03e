/**
 * Progress of long work on stderr, which stays apart from what a command prints on stdout:
 * - 'tty': one line redrawn in place, removed by done() so that what follows starts clean;
 * - 'plain' (a log file, CI): a line of its own, at most every `plainEveryMs`, so a log
 *   shows the work alive without a line per update;
 * - 'off': nothing (e.g. --format json into a pipe: scripts read stdout, stderr stays quiet).
 */
export type ProgressMode = 'tty' | 'plain' | 'off';

export interface ProgressOut {
  write(text: string): unknown;
  /** Width of the terminal: a redrawn line longer than it would wrap and no longer redraw. */
  columns?: number;
}

export interface ProgressLineOptions {
  mode: ProgressMode;
  /** Least time between two plain lines. */
  plainEveryMs?: number;
  now?: () => number;
}

/** 'tty' when `out` is a terminal; otherwise `quiet` decides between 'off' and 'plain'. */
export function progressMode(out: { isTTY?: boolean }, quietUnlessTty: boolean): ProgressMode {
  if (out.isTTY) return 'tty';
  return quietUnlessTty ? 'off' : 'plain';
}

const CLEAR_LINE = '\r\x1b[K';

export class ProgressLine {
  private readonly plainEveryMs: number;
  private readonly now: () => number;
  private lastPlainAt: number | undefined;
  private shown = '';

  constructor(
    private readonly out: ProgressOut,
    private readonly opts: ProgressLineOptions,
  ) {
    this.plainEveryMs = opts.plainEveryMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** What the work is about to do: shown at once, whatever the interval. */
  start(text: string): void {
    if (this.opts.mode === 'plain') {
      this.out.write(`${text}\n`);
      this.lastPlainAt = this.now();
    } else this.update(text);
  }

  /** How far the work got: redrawn on a terminal; as a line of its own when the interval is over. */
  update(text: string): void {
    if (this.opts.mode === 'tty') {
      const width = this.out.columns ?? 0;
      const fitted = width > 1 && text.length >= width ? `${text.slice(0, width - 2)}…` : text;
      if (fitted === this.shown) return;
      this.out.write(`${CLEAR_LINE}${fitted}`);
      this.shown = fitted;
    } else if (this.opts.mode === 'plain') {
      const at = this.now();
      if (this.lastPlainAt !== undefined && at - this.lastPlainAt < this.plainEveryMs) return;
      this.out.write(`${text}\n`);
      this.lastPlainAt = at;
    }
  }

  /** Removes the redrawn line (plain lines stay: they are a log). */
  done(): void {
    if (this.opts.mode === 'tty' && this.shown !== '') this.out.write(CLEAR_LINE);
    this.shown = '';
  }
}

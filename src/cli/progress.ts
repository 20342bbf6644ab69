/**
 * A one-line progress bar on stderr, redrawn in place. Only at a terminal, never under --json and
 * never under --quiet: without a TTY (cron, CI, pipes) nothing is written at all, so logs stay clean.
 */
export interface ProgressStream {
  isTTY?: boolean
  columns?: number
  write(text: string): unknown
}

export class ProgressBar {
  private done = 0
  private total = 0
  private lastDraw = 0
  readonly enabled: boolean

  constructor(
    private readonly label: string,
    options: {json?: boolean; quiet?: boolean; stream?: ProgressStream} = {},
    private readonly stream: ProgressStream = options.stream ?? process.stderr,
  ) {
    this.enabled = stream.isTTY === true && !options.json && !options.quiet
  }

  start(total: number): void {
    this.total = total
    this.done = 0
    this.draw(true)
  }

  tick(count = 1): void {
    this.done += count
    this.draw(this.done >= this.total)
  }

  /** Clears the line so what follows prints cleanly. */
  stop(): void {
    if (this.enabled && this.total > 0) this.stream.write('\r\u001B[2K')
  }

  private draw(force: boolean): void {
    if (!this.enabled || this.total === 0) return
    const now = Date.now()
    if (!force && now - this.lastDraw < 80) return
    this.lastDraw = now
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - this.label.length - 24))
    const filled = Math.round((Math.min(this.done, this.total) / this.total) * width)
    this.stream.write(`\r\u001B[2K${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total}`)
  }
}

import {InterruptedError} from '../errors/index.js'
import {ExitCode} from '../exit-codes.js'

/**
 * SIGINT/SIGTERM while a command changes stores. The first signal aborts `signal`: the StoreSet
 * then refuses new store calls and the engine starts no new secret, while the call in flight
 * finishes, so the secret stays where the next (level-triggered) run picks it up. A second
 * signal exits at once.
 */
export class Interrupt {
  private readonly controller = new AbortController()
  private received?: 'SIGINT' | 'SIGTERM'
  private readonly listeners = new Map<NodeJS.Signals, () => void>()

  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** The signal that arrived, if any. */
  get by(): 'SIGINT' | 'SIGTERM' | undefined {
    return this.received
  }

  /** Listens until `uninstall`; `onFirst` tells the operator what happens now. */
  install(onFirst: (signal: 'SIGINT' | 'SIGTERM') => void): void {
    for (const name of ['SIGINT', 'SIGTERM'] as const) {
      const listener = () => {
        if (this.received) process.exit(this.received === 'SIGTERM' ? ExitCode.TERMINATED : ExitCode.INTERRUPTED)
        this.received = name
        this.controller.abort(new InterruptedError(name))
        onFirst(name)
      }
      this.listeners.set(name, listener)
      process.on(name, listener)
    }
  }

  uninstall(): void {
    for (const [name, listener] of this.listeners) process.off(name, listener)
    this.listeners.clear()
  }

  /** Throws the InterruptedError once a signal arrived. */
  check(): void {
    if (this.controller.signal.aborted) throw this.controller.signal.reason
  }
}

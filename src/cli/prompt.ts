import {createInterface} from 'node:readline/promises'

/** Prompts only an operator at a terminal; cron and pipelines never see one. */
export const canPrompt = (): boolean => Boolean(process.stdin.isTTY && process.stderr.isTTY)

/** True only for y/yes. Ctrl-C at the prompt, end of input or an aborted `signal` answer no. */
export async function confirm(question: string, signal?: AbortSignal): Promise<boolean> {
  const rl = createInterface({input: process.stdin, output: process.stderr})
  const controller = new AbortController()
  const onAbort = () => controller.abort()
  signal?.addEventListener('abort', onAbort, {once: true})
  // At a terminal readline takes Ctrl-C itself (raw mode) and, with no listener, would only pause.
  rl.on('SIGINT', onAbort)
  rl.on('close', onAbort)
  try {
    const answer = await rl.question(`${question} [y/N] `, {signal: controller.signal})
    return /^y(es)?$/i.test(answer.trim())
  } catch (error) {
    if ((error as Error).name === 'AbortError') {
      process.stderr.write('\n')
      return false
    }
    throw error
  } finally {
    signal?.removeEventListener('abort', onAbort)
    rl.close()
  }
}

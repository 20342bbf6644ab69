import {createInterface} from 'node:readline/promises'

/** Prompts only an operator at a terminal; cron and pipelines never see one. */
export const canPrompt = (): boolean => Boolean(process.stdin.isTTY && process.stderr.isTTY)

export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({input: process.stdin, output: process.stderr})
  try {
    const answer = await rl.question(`${question} [y/N] `)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}

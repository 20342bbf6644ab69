import {createHash} from 'node:crypto'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import ts from 'typescript'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

export async function makeTempDir(): Promise<{dir: string; cleanup: () => Promise<void>}> {
  const dir = await mkdtemp(join(tmpdir(), 'rotor-audit-'))
  return {dir, cleanup: () => rm(dir, {recursive: true, force: true})}
}

export async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8')
  return text.split('\n').slice(0, -1)
}

export async function writeLines(path: string, lines: string[]): Promise<void> {
  await writeFile(path, lines.map((l) => `${l}\n`).join(''))
}

/**
 * Transpiles `entry` (a .ts file under the repo root) and every relative module it imports into
 * `outDir`, keeping the layout, so child processes can import it with plain `node` (no tsx, and
 * dist/ may not exist). Returns the path of the transpiled entry.
 */
export async function transpileClosure(entry: string, outDir: string): Promise<string> {
  await writeFile(join(outDir, 'package.json'), JSON.stringify({type: 'module'}))
  const seen = new Set<string>()
  const todo = [resolve(ROOT, entry)]
  while (todo.length > 0) {
    const file = todo.pop() as string
    if (seen.has(file)) continue
    seen.add(file)
    const source = await readFile(file, 'utf8')
    const out = ts.transpileModule(source, {
      compilerOptions: {module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022},
      fileName: file,
    })
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js')
    await mkdir(dirname(target), {recursive: true})
    await writeFile(target, out.outputText)
    for (const m of out.outputText.matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
      todo.push(resolve(dirname(file), `${m[1]}.ts`))
    }
  }
  return join(outDir, relative(ROOT, entry)).replace(/\.ts$/, '.js')
}

/**
 * The lines of a log as rotor wrote them before keyed chains (no `mac`): the same entries,
 * re-chained with plain SHA-256. Old logs must keep verifying.
 */
export function unkeyed(lines: string[]): string[] {
  const out: string[] = []
  let prev = '0'.repeat(64)
  for (const line of lines) {
    const {mac: _mac, ...entry} = JSON.parse(line) as Record<string, unknown>
    const text = JSON.stringify({...entry, prev})
    out.push(text)
    prev = createHash('sha256').update(text).digest('hex')
  }
  return out
}

// Bundles the CLI into dist/cli/ with esbuild: what `npm pack` ships and what bin/run.js runs.
//
// - One ESM entry per thing oclif loads: `commands.js` (the explicit command index, generated here
//   from the commands/ directory, so a new command file needs no index edit), `help.js`, the
//   hooks, and `fail.js` (the error formatter bin/run.js loads only when something goes wrong).
// - Code splitting: what several entries share goes into shared chunks, and every `import()`
//   (each cloud SDK behind providers/runtimes.ts) becomes its own chunk, loaded only when a
//   config uses that kind. `rotor --version` and `rotor status` on a file store read no SDK.
// - External: @oclif/core and its plugins (oclif loads them from node_modules itself, and one copy
//   of its classes must be shared) and native modules (better-sqlite3).
// - No source maps: the TypeScript sources are not shipped, so a map would point at nothing.
//
// `node scripts/build.js --metafile` also writes dist/cli/meta.json (which module went where).
import {build} from 'esbuild'
import {readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const outdir = join(root, 'dist/cli')

/** Must stay outside the bundle: oclif's own packages (loaded by oclif from node_modules) and native code. */
export const EXTERNAL = ['@oclif/core', '@oclif/plugin-help', '@oclif/plugin-autocomplete', 'better-sqlite3', 'pg-native']

/** `commands/config/validate.ts` -> `config:validate`, oclif's id for it. */
export function commandFiles(dir = join(root, 'commands')) {
  const found = []
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.startsWith('_') && !name.endsWith('.test.ts')) {
        const id = relative(dir, path).slice(0, -'.ts'.length).split(sep).join(':')
        found.push({id: id.endsWith(':index') ? id.slice(0, -':index'.length) : id, path})
      }
    }
  }
  walk(dir)
  return found
}

/** The generated index: `export const COMMANDS = {id: Class, ...}` (oclif's explicit strategy). */
export function commandIndexSource(files = commandFiles()) {
  const imports = files.map((f, i) => `import c${i} from ${JSON.stringify(f.path)}`)
  const entries = files.map((f, i) => `  ${JSON.stringify(f.id)}: c${i},`)
  return `${imports.join('\n')}\nexport const COMMANDS = {\n${entries.join('\n')}\n}\n`
}

/**
 * CommonJS packages read `__dirname` (google-gax computes its protos folder when it loads), which
 * an ES module does not have: give them the bundle's folder instead of a ReferenceError. Their
 * data files are bundled (JSON imports), so nothing is read from that folder.
 */
const cjsDirname = {
  name: 'rotor-cjs-dirname',
  setup(b) {
    b.onLoad({filter: /node_modules[\\/].*\.c?js$/}, async ({path}) => {
      const contents = await readFile(path, 'utf8')
      if (!/\b__(dirname|filename)\b/.test(contents) || /\b(var|let|const)\s+__(dirname|filename)\b/.test(contents) || /\bimport\.meta\b/.test(contents)) return undefined
      return {contents: `var __dirname = globalThis.__rotorBundleDir, __filename = globalThis.__rotorBundleDir + '/bundled.js';\n${contents}`, loader: 'js'}
    })
  },
}

const generatedIndex = {
  name: 'rotor-command-index',
  setup(b) {
    b.onResolve({filter: /^rotor:commands$/}, () => ({path: 'commands-index', namespace: 'rotor'}))
    b.onLoad({filter: /.*/, namespace: 'rotor'}, () => ({contents: commandIndexSource(), loader: 'ts', resolveDir: root}))
  },
}

/** The versions of the cloud SDKs being bundled, for `rotor version` (commands/version.ts). */
function sdkVersions() {
  const source = readFileSync(join(root, 'commands/version.ts'), 'utf8')
  const list = /SDK_PACKAGES = \[([^\]]*)\]/.exec(source)?.[1] ?? ''
  const names = [...list.matchAll(/'([^']+)'/g)].map((m) => m[1])
  return Object.fromEntries(names.map((name) => [name, JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version]))
}

export async function bundle({metafile = false} = {}) {
  rmSync(outdir, {recursive: true, force: true})
  const result = await build({
    absWorkingDir: root,
    entryPoints: {
      commands: 'rotor:commands',
      help: 'src/cli/help.ts',
      'hooks/command-not-found': 'src/cli/hooks/command-not-found.ts',
      fail: 'src/cli/fail.ts',
    },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.12',
    external: EXTERNAL,
    sourcemap: false,
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    chunkNames: 'chunks/[name]-[hash]',
    // Bundled CommonJS packages (the SDKs) call require() for Node's built-ins.
    banner: {js: "import {createRequire as __rotorRequire} from 'node:module';const require=__rotorRequire(import.meta.url);globalThis.__rotorBundleDir??=import.meta.dirname;"},
    define: {'globalThis.__ROTOR_SDK_VERSIONS__': JSON.stringify(sdkVersions())},
    metafile: true,
    logLevel: 'warning',
    plugins: [generatedIndex, cjsDirname],
  })
  if (metafile) writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile))
  return result
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle({metafile: process.argv.includes('--metafile')})

// Bundles the CLI into dist/cli/ with esbuild: what `npm pack` ships and what bin/run.js runs.
//
// - One ESM entry per thing oclif loads: `commands.js` (the explicit command index, generated here
//   from the commands/ directory, so a new command file needs no index edit; eager for `oclif
//   manifest`, then replaced by the lazy `commands-lazy.js` so each command is its own chunk),
//   `help.js`, the hooks, `oclif.js` (the bundled @oclif/core's `run` for bin/run.js), `version.js`
//   (plain `rotor version`, answered by bin/run.js without oclif), `complete.js` (`rotor __complete`,
//   the names shell completion offers, likewise without oclif), `status-fast.js` (`rotor status
//   --json` without oclif, src/cli/status-fast.ts), `get-fast.js` (`rotor get NAME`, likewise,
//   src/cli/get-fast.ts) and `fail.js` (the error
//   formatter bin/run.js loads only when something goes wrong).
// - Code splitting: what several entries share goes into shared chunks, and every `import()`
//   (each cloud SDK behind providers/runtimes.ts) becomes its own chunk, loaded only when a
//   config uses that kind. `rotor --version` and `rotor status` on a file store read no SDK.
// - External: oclif's plugins (oclif loads them from node_modules when their commands run) and
//   native modules (better-sqlite3). @oclif/core is bundled (see EXTERNAL).
// - No source maps: the TypeScript sources are not shipped, so a map would point at nothing.
//
// `node scripts/build.js --metafile` also writes dist/cli/meta.json (which module went where).
import {build} from 'esbuild'
import {readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const outdir = join(root, 'dist/cli')

/**
 * What @oclif/core requires only to run a plugin from its TypeScript sources in development
 * (NODE_ENV=development or test, never in the package): left as `require()` calls that fail and
 * are caught, instead of bundling the TypeScript compiler (6 MB) into oclif's chunk.
 */
const DEV_ONLY = ['typescript', 'ts-node', 'tsx']

/**
 * Must stay outside the bundle: oclif's plugins (oclif loads them from node_modules when their own
 * commands run, with the @oclif/core installed next to them) and native code. @oclif/core itself is
 * bundled: rotor's commands, help class and hooks share that one copy, and bin/run.js takes `run`
 * from it (dist/cli/oclif.js), so start-up reads a few files instead of walking ~150 CommonJS modules.
 */
export const EXTERNAL = ['@oclif/plugin-help', '@oclif/plugin-autocomplete', 'better-sqlite3', 'pg-native', ...DEV_ONLY]

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

/**
 * The generated index: `export const COMMANDS = {id: Class, ...}` (oclif's explicit strategy). This
 * eager form imports every command; `oclif manifest` reads it (flags, args, descriptions).
 */
export function commandIndexSource(files = commandFiles()) {
  const imports = files.map((f, i) => `import c${i} from ${JSON.stringify(f.path)}`)
  const entries = files.map((f, i) => `  ${JSON.stringify(f.id)}: c${i},`)
  return `${imports.join('\n')}\nexport const COMMANDS = {\n${entries.join('\n')}\n}\n`
}

/**
 * The lazy index the package runs: each command is a stand-in whose `run` imports that command's
 * own chunk, so `rotor status` compiles the status command and what it needs, not all twenty-odd
 * commands. oclif needs nothing else from it: help, completion and the command list come from
 * oclif.manifest.json, and oclif calls `run` on what findCommand returned (it sets `id` and
 * `plugin` on the stand-in first; they are handed on to the real class).
 */
export function lazyCommandIndexSource(files = commandFiles()) {
  const entries = files.map((f) => `  ${JSON.stringify(f.id)}: lazy(() => import(${JSON.stringify(f.path)})),`)
  return [
    'const lazy = (load) => ({',
    '  async run(argv, config) {',
    '    const command = (await load()).default',
    '    command.id = this.id',
    '    command.plugin = this.plugin',
    '    return command.run(argv, config)',
    '  },',
    '})',
    `export const COMMANDS = {\n${entries.join('\n')}\n}`,
    '',
  ].join('\n')
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

/** What bin/run.js takes from the bundled @oclif/core. */
const OCLIF_ENTRY = "export {Config, Errors, flush, run} from '@oclif/core'\n"

/**
 * zod's `z` namespace re-exports every locale's messages (300 kB of the config-loading chunk, on
 * the path of every command that reads rotor.yaml). rotor speaks English only and never calls
 * `z.config(z.locales.xx())`: the bundle keeps `en`, the one zod itself installs by default.
 */
const zodEnglishOnly = {
  name: 'rotor-zod-english-only',
  setup(b) {
    b.onLoad({filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/}, () => ({contents: 'export {default as en} from "./en.js"\n', loader: 'js'}))
  },
}

/**
 * The AWS SDK's default credential chain as its own lazily loaded chunk: each AWS client's runtime
 * config imports `defaultProvider` from @aws-sdk/credential-provider-node, which brings every
 * provider and the nested STS/SSO/sign-in clients into the client's chunk. Those imports resolve to
 * providers/aws/lazy-credentials.ts, which imports the real package when a client first needs
 * credentials it was not given (a profile, SSO, an instance role): keys in the environment, which
 * rotor hands to the client, load none of it. Same chain, same order, same caching.
 * The same plugin takes each @aws-sdk/client-* package from its ESM build (`module`), not its
 * single-file CommonJS build, so esbuild drops the protocols the client does not speak (a CommonJS
 * `require('@aws-sdk/core/protocols')` keeps CBOR, XML and Query in Secrets Manager's chunk).
 */
export const LAZY_CREDENTIALS = join(root, 'providers/aws/lazy-credentials.ts')
export const awsLazyCredentialChain = {
  name: 'rotor-aws-lazy-credential-chain',
  setup(b) {
    b.onResolve({filter: /^@aws-sdk\/credential-provider-node$/}, ({importer}) => (importer === LAZY_CREDENTIALS ? undefined : {path: LAZY_CREDENTIALS}))
    b.onResolve({filter: /^@aws-sdk\/client-[a-z0-9-]+$/}, ({path}) => {
      const dir = join(root, 'node_modules', path)
      const {module} = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      return module ? {path: join(dir, module)} : undefined
    })
  },
}

/**
 * @smithy/node-http-handler requires node:http2 when it loads, for the HTTP/2 handler rotor never
 * uses (every AWS client here speaks HTTP/1.1 through NodeHttpHandler): Node's HTTP/2 module costs
 * every AWS command a few milliseconds of start-up. Here it is required on first use instead. Should
 * a new version of the package read it differently, the build says so and leaves the file as it is.
 */
const HTTP2_EAGER = ['const http2 = require("node:http2");', 'const { constants } = http2;']
const HTTP2_LAZY = [
  'let http2Module; const http2 = {connect: (...args) => (http2Module ??= require("node:http2")).connect(...args)};',
  'const constants = new Proxy({}, {get: (_, name) => (http2Module ??= require("node:http2")).constants[name]});',
]
export const lazyHttp2 = {
  name: 'rotor-lazy-http2',
  setup(b) {
    b.onLoad({filter: /[\\/]@smithy[\\/]node-http-handler[\\/]dist-cjs[\\/]index\.js$/}, async ({path}) => {
      const contents = await readFile(path, 'utf8')
      if (!HTTP2_EAGER.every((line) => contents.split(line).length === 2) || contents.split('http2.').length !== 3) {
        return {contents, loader: 'js', warnings: [{text: 'node:http2 stays eagerly loaded: @smithy/node-http-handler changed shape (scripts/build.js, lazyHttp2)'}]}
      }
      return {contents: HTTP2_EAGER.reduce((text, line, i) => text.replace(line, HTTP2_LAZY[i]), contents), loader: 'js'}
    })
  },
}

const generatedIndex = {
  name: 'rotor-command-index',
  setup(b) {
    b.onResolve({filter: /^rotor:(commands|commands-lazy|oclif)$/}, ({path}) => ({path: path.slice('rotor:'.length), namespace: 'rotor'}))
    b.onLoad({filter: /.*/, namespace: 'rotor'}, ({path}) => ({
      contents: path === 'commands' ? commandIndexSource() : path === 'commands-lazy' ? lazyCommandIndexSource() : OCLIF_ENTRY,
      loader: 'ts',
      resolveDir: root,
    }))
  },
}

/** The versions of the cloud SDKs and of @oclif/core being bundled, for `rotor version` (src/cli/version-info.ts). */
function sdkVersions() {
  const source = readFileSync(join(root, 'src/cli/version-info.ts'), 'utf8')
  const list = /SDK_PACKAGES = \[([^\]]*)\]/.exec(source)?.[1] ?? ''
  const names = [...[...list.matchAll(/'([^']+)'/g)].map((m) => m[1]), '@oclif/core']
  return Object.fromEntries(names.map((name) => [name, JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version]))
}

export async function bundle({metafile = false} = {}) {
  rmSync(outdir, {recursive: true, force: true})
  const result = await build({
    absWorkingDir: root,
    entryPoints: {
      commands: 'rotor:commands',
      'commands-lazy': 'rotor:commands-lazy',
      oclif: 'rotor:oclif',
      help: 'src/cli/help.ts',
      'hooks/command-not-found': 'src/cli/hooks/command-not-found.ts',
      'hooks/completion': 'src/cli/hooks/completion.ts',
      complete: 'src/cli/complete.ts',
      fail: 'src/cli/fail.ts',
      version: 'src/cli/version-info.ts',
      'status-fast': 'src/cli/status-fast.ts',
      'get-fast': 'src/cli/get-fast.ts',
      // The file store's read-ahead worker, next to the chunk that starts it (providers/file/db.ts).
      'chunks/scan-worker': 'providers/file/scan-worker.ts',
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
    plugins: [generatedIndex, cjsDirname, zodEnglishOnly, awsLazyCredentialChain, lazyHttp2],
  })
  if (metafile) writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile))
  return result
}

/**
 * `--lazy-index`, the last step of `npm run build` (after `oclif manifest` has read the eager
 * index): dist/cli/commands.js becomes the lazy index. Both were built together, so they import
 * the same chunks from the same folder.
 */
export function useLazyIndex() {
  renameSync(join(outdir, 'commands-lazy.js'), join(outdir, 'commands.js'))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--lazy-index')) useLazyIndex()
  else await bundle({metafile: process.argv.includes('--metafile')})
}

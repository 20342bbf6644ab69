// `npm run pack`: stages the published package in dist/package/ and packs it there:
//   bin/, dist/cli/ (the esbuild bundle), oclif.manifest.json, LICENSE, README.md, package.json, and
//   node_modules/ holding exactly the production closure of `bundleDependencies` (oclif and its
//   plugins), copied from this checkout as package-lock.json places them.
// Bundling those packages makes `npm i -g rotor-*.tgz` need no registry metadata at all (it works
// offline from the cache); the cloud SDKs are inside dist/cli already. better-sqlite3 (native)
// stays an optional dependency that npm installs and builds on the user's machine.
// Staging avoids packing from a checkout whose node_modules is a symlink or has dev packages.
import {cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import {execFileSync} from 'node:child_process'

const root = fileURLToPath(new URL('..', import.meta.url))
export const stage = join(root, 'dist/package')

/** Where Node finds `name` required from the package at lock path `from` ('' is the root). */
function resolve(packages, from, name) {
  let base = from
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`
    if (packages[candidate]) return candidate
    if (!base) return undefined
    const at = base.lastIndexOf('/node_modules/')
    base = at < 0 ? '' : base.slice(0, at)
  }
}

/** The lock paths of `names` and everything they need at run time. */
export function closure(lock, names) {
  const packages = lock.packages
  const keep = new Set()
  const queue = [['', names]]
  while (queue.length > 0) {
    const [from, deps] = queue.pop()
    for (const name of deps) {
      const path = resolve(packages, from, name)
      if (!path) {
        const entry = packages[from] ?? {}
        if (entry.optionalDependencies?.[name] || entry.peerDependenciesMeta?.[name]?.optional) continue
        throw new Error(`package-lock.json has no ${name} for ${from || 'rotor'}: run npm install`)
      }
      if (keep.has(path)) continue
      keep.add(path)
      const entry = packages[path]
      const peers = Object.keys(entry.peerDependencies ?? {}).filter((p) => !entry.peerDependenciesMeta?.[p]?.optional)
      queue.push([path, [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}), ...peers]])
    }
  }
  return [...keep].sort()
}

export function stagePackage() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'))
  if (!existsSync(join(root, 'dist/cli/commands.js'))) throw new Error('dist/cli is missing: run `npm run build` first')
  rmSync(stage, {recursive: true, force: true})
  mkdirSync(stage, {recursive: true})
  for (const item of ['bin', 'dist/cli', 'oclif.manifest.json', 'LICENSE', 'README.md']) {
    cpSync(join(root, item), join(stage, item), {recursive: true, filter: (src) => !src.endsWith('.map') && !src.endsWith('meta.json')})
  }
  const {devDependencies: _dev, scripts: _scripts, allowScripts: _allow, ...published} = pkg
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`)
  for (const path of closure(lock, pkg.bundleDependencies ?? [])) {
    const from = join(root, path)
    // Each package without its own node_modules (nested packages the closure needs are copied on
    // their own) and without source maps (they point at sources these packages do not ship).
    cpSync(from, join(stage, path), {recursive: true, dereference: true, filter: (src) => !src.endsWith('.map') && !relative(from, src).split(sep).includes('node_modules')})
  }
  return stage
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  stagePackage()
  const destination = process.argv.includes('--pack-destination') ? process.argv[process.argv.indexOf('--pack-destination') + 1] : root
  execFileSync('npm', ['pack', '--pack-destination', destination, stage], {stdio: 'inherit'})
}

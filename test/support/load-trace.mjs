// Preload (`--import`) for tests: appends every module URL the process resolves inside dist/ to
// the file named by ROTOR_TEST_LOAD_TRACE, one a line, so a test can tell what a command loaded.
import {register} from 'node:module'

if (process.env.ROTOR_TEST_LOAD_TRACE) {
  register(`data:text/javascript,${encodeURIComponent(`
    import {appendFileSync} from 'node:fs'
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context)
      if (result.url.includes('/dist/')) appendFileSync(${JSON.stringify(process.env.ROTOR_TEST_LOAD_TRACE)}, result.url + '\\n')
      return result
    }
  `)}`)
}

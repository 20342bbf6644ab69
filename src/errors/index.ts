export * from './rotor-error.js'
export * from './kinds.js'
export * from './guards.js'
export * from './fs.js'

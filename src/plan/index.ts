export * from './types.js'
export * from './observe.js'
export * from './planner.js'

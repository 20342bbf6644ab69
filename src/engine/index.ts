export * from './execute.js'
export * from './inventory.js'
export * from './stores.js'
export {newRotationId} from './steps.js'

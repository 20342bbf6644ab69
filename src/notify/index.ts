export * from './notifier.js'
export * from './format.js'
export * from './upcoming.js'

/**
 * The fault matrix (support/matrix.ts) on one secret whose four targets are two file stores and
 * the AWS and Vault emulators. crash-matrix-azure-gcp.test.ts runs it on Azure and GCP, in a
 * file of its own so that vitest runs the two in parallel.
 */
import {describeCrashMatrix} from './support/matrix.js'
import {startEmulators} from './support/world.js'

describeCrashMatrix({stores: 'file, AWS, Vault', start: startEmulators, maxActions: 16})

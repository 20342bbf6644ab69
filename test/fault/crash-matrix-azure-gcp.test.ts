/**
 * The fault matrix (support/matrix.ts) on one secret whose four targets are two file stores, the
 * Azure Key Vault emulator (HTTPS, challenge auth, trusted through `caFile`) and the GCP Secret
 * Manager emulator (gRPC), through the built CLI: SIGKILL after every store-changing action N,
 * then `apply` again, with the same assertions as on AWS and Vault.
 */
import {describeCrashMatrix} from './support/matrix.js'
import {startAzureGcp} from './support/world.js'

describeCrashMatrix({stores: 'file, Azure, GCP', start: startAzureGcp, maxActions: 16})

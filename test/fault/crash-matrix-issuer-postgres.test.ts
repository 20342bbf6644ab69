/**
 * The issuer fault matrix (support/issuer-matrix.ts) on a real PostgreSQL server (a private cluster,
 * one for the whole file): every world rotates its own two login roles, and the test logs in with
 * a plain pg client. Skipped loudly when the server binaries are missing.
 */
import {describeIssuerCrashMatrix} from './support/issuer-matrix.js'
import {postgresIssuerFixture} from './support/issuer-fixtures.js'

describeIssuerCrashMatrix(postgresIssuerFixture)

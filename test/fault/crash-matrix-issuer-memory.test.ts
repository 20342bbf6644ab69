/**
 * The issuer fault matrix (support/issuer-matrix.ts) on the memory issuer, whose credentials live
 * in a JSON file so the killed CLI and the test see one system. PostgreSQL and IAM plug in with
 * their own IssuerMatrixFixture.
 */
import {describeIssuerCrashMatrix} from './support/issuer-matrix.js'
import {memoryIssuerFixture} from './support/issuer-world.js'

describeIssuerCrashMatrix(memoryIssuerFixture)

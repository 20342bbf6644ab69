/**
 * The issuer fault matrix (support/issuer-matrix.ts) on AWS IAM access keys in moto (one server for
 * the whole file, auth on): every world rotates the keys of its own IAM user, and the test signs an
 * STS GetCallerIdentity with the stored key. A kill right after CreateAccessKey leaves a key no
 * store holds; the recovery run must find it (listed neither before the call nor by a store) and
 * delete it, although moto stamps it with the real clock and the CLI runs a year ahead.
 * Skipped loudly when moto is missing.
 */
import {describeIssuerCrashMatrix} from './support/issuer-matrix.js'
import {awsIamIssuerFixture} from './support/issuer-fixtures.js'

describeIssuerCrashMatrix(awsIamIssuerFixture)

#!/usr/bin/env node
// The AWS SDK prints a Node 22 notice on Node 20; it is noise for a CLI's users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
import {execute} from '@oclif/core'
await execute({dir: import.meta.url})

#!/usr/bin/env node
// Writes dist/core/kubectl/verbs-manifest.json (run by `npm run build`, after tsc): every kubectl
// verb's names, flags and subverbs, read from the built verbs, so that `kubemu kubectl` parses a
// command line without importing them all (src/core/kubectl/verbs-manifest.ts reads it).
import {writeFileSync} from 'node:fs'

const {buildVerbsManifest, verbsManifestUrl} = await import('../dist/core/kubectl/verbs-manifest.js')
writeFileSync(verbsManifestUrl, `${JSON.stringify(await buildVerbsManifest())}\n`)

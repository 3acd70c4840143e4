#!/usr/bin/env node
// Writes oclif.manifest.json (run by `npm run build`, after tsc): every kubemu command's id, flags
// and help, read from the built commands. Without it oclif imports every command module, `up`
// and its whole control plane included, on each `kubemu status`, `kubemu time advance` or
// `kubemu version`, to find the one asked for; with it, only that one.
import {writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {Config} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const config = await Config.load({root, ignoreManifest: true})
const plugin = config.getPluginsList().find((each) => each.root === config.root)
if (!plugin) throw new Error(`no oclif plugin at ${root}`)
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), `${JSON.stringify(plugin.manifest, null, 1)}\n`)

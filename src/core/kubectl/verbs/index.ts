// Every kubectl verb kubemu serves, in the order `kubectl` lists them.
import type {KubectlVerb} from '../kubectl.js'
import {applyFlags, createFileFlags, runApply, runCreateFromFiles} from './apply.js'
import {deleteFlags, runDelete} from './delete.js'
import {getFlags, runGet} from './get.js'

export const verbs: readonly KubectlVerb[] = [
  {name: 'create', flags: createFileFlags, run: runCreateFromFiles, subverbs: []},
  {name: 'get', flags: getFlags, run: runGet},
  {name: 'delete', flags: deleteFlags, run: runDelete},
  {name: 'apply', flags: applyFlags, run: runApply},
]

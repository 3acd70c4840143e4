// recordUpdate (kube's field manager for Update operations) against its definition written out
// plainly: the changed fields are the leaves of the new object's set whose values differ from the
// old object's, read from the root each; the manager's own set is the union of those paths. The
// objects are random pods (seeded: a failure prints SEED=… to replay it), written by several
// managers in turn, so keyed lists, maps and other managers' entries all take part (lists of set
// items, v: paths, are not among what these pods hold).
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {jsonEqual} from '../../src/core/api/object.js'
import {builtinScheme} from '../../src/core/api/resources.js'
import {entriesOf, fieldSetOf, leafPaths, type ManagedFieldsEntry, mergeSets, pathSet, recordUpdate, removePaths, valueAt} from '../../src/core/apiserver/managed-fields.js'
import {SeededRandom} from '../../src/core/util/random.js'

const schema = builtinScheme().resource('', 'v1', 'pods')!.schema

/** The field manager's Update as its definition reads, without any shortcut. */
function recordUpdateByDefinition(object: KubeObject, old: KubeObject | null, manager: string, time: string, subresource: string): void {
  const full = fieldSetOf(object, schema)
  const changed = leafPaths(full).filter((path) => old === null || !jsonEqual(valueAt(object, path), valueAt(old, path)))
  const entries = entriesOf(old ?? object).map((entry) => ({...entry}))
  if (changed.length === 0) {
    if (old) object.metadata.managedFields = entries.length > 0 ? entries : undefined
    if (object.metadata.managedFields === undefined) delete object.metadata.managedFields
    return
  }
  let own = {}
  for (const path of changed) own = mergeSets(own, pathSet(full, path))
  const result: ManagedFieldsEntry[] = []
  let mine = false
  for (const entry of entries) {
    if (entry.manager === manager && entry.operation === 'Update' && (entry.subresource ?? '') === subresource) {
      mine = true
      result.push({...entry, time, apiVersion: 'v1', fieldsV1: mergeSets(entry.fieldsV1, own)})
      continue
    }
    const remaining = removePaths(entry.fieldsV1, changed)
    if (Object.keys(remaining).length > 0) result.push({...entry, fieldsV1: remaining})
  }
  if (!mine) result.push({manager, operation: 'Update', apiVersion: 'v1', time, fieldsType: 'FieldsV1', fieldsV1: own, ...(subresource ? {subresource} : {})})
  object.metadata.managedFields = result
}

function randomPod(random: SeededRandom): KubeObject {
  const pick = <T>(items: readonly T[]) => random.pick(items)
  const some = <T>(make: (index: number) => T, most: number) => Array.from({length: random.nextInt(most + 1)}, (_, index) => make(index))
  const labels = Object.fromEntries(some((index) => [`l${random.nextInt(4)}-${index}`, pick(['a', 'b'])], 3))
  const containers = some((index) => ({
    name: `c${index}`,
    image: pick(['nginx', 'busybox', 'redis:7']),
    ...(random.chance(0.5) ? {ports: some((port) => ({containerPort: 80 + port, protocol: 'TCP'}), 2)} : {}),
    ...(random.chance(0.5) ? {env: some((variable) => ({name: `E${variable}`, value: pick(['1', '2'])}), 3)} : {}),
    ...(random.chance(0.4) ? {resources: {requests: {cpu: pick(['100m', '200m'])}}} : {}),
    ...(random.chance(0.3) ? {args: some(() => pick(['-v', '--x']), 2)} : {}),
  }), 3)
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: 'p', namespace: 'default', ...(Object.keys(labels).length > 0 ? {labels} : {}), ...(random.chance(0.3) ? {finalizers: some((index) => `f${index}`, 2)} : {})},
    spec: {
      containers: containers.length > 0 ? containers : [{name: 'c0', image: 'nginx'}],
      ...(random.chance(0.5) ? {nodeName: pick(['n1', 'n2'])} : {}),
      ...(random.chance(0.4) ? {tolerations: some(() => ({key: pick(['a', 'b']), operator: 'Exists'}), 2)} : {}),
      ...(random.chance(0.4) ? {nodeSelector: {zone: pick(['x', 'y'])}} : {}),
    },
    status: random.chance(0.5) ? {phase: pick(['Pending', 'Running']), conditions: some((index) => ({type: `T${index}`, status: pick(['True', 'False'])}), 2)} : {phase: 'Pending'},
  } as KubeObject
}

describe('recordUpdate', () => {
  it('records what the field manager definition records, over random pods written by several managers', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000)
    const random = new SeededRandom(seed)
    try {
      for (let round = 0; round < 300; round++) {
        let ours: KubeObject | null = null
        let theirs: KubeObject | null = null
        // Half the creates carry another manager's entries, as a client may send them.
        const sent = random.chance(0.5) ? randomPod(random) : null
        if (sent) recordUpdate(sent, null, 'kubectl-client-side-apply', 'v1', '2026-12-04T00:00:00Z', schema)
        for (let write = 0; write < 6; write++) {
          // Some writes change the status alone (a kubelet's), the rest as it was stored.
          const next: KubeObject = ours && random.chance(0.3) ? {...structuredClone(ours as KubeObject), status: randomPod(random).status} : randomPod(random)
          const manager = random.pick(['kubectl-create', 'kube-controller-manager', 'kubelet', 'kube-scheduler'])
          const subresource = random.pick(['', '', 'status'])
          const time = `2026-12-05T00:00:0${write}Z`
          const mine = structuredClone(next)
          const reference = structuredClone(next)
          if (ours) mine.metadata.managedFields = structuredClone(ours.metadata.managedFields)
          if (theirs) reference.metadata.managedFields = structuredClone(theirs.metadata.managedFields)
          if (write === 0 && sent) {
            mine.metadata.managedFields = structuredClone(sent.metadata.managedFields)
            reference.metadata.managedFields = structuredClone(sent.metadata.managedFields)
          }
          recordUpdate(mine, ours, manager, 'v1', time, schema, subresource)
          recordUpdateByDefinition(reference, theirs, manager, time, subresource)
          expect(JSON.stringify(mine.metadata.managedFields)).toBe(JSON.stringify(reference.metadata.managedFields))
          ours = mine
          theirs = reference
        }
      }
    } catch (error) {
      console.error(`recordUpdate comparison failed: replay with SEED=${seed}`)
      throw error
    }
  })
})

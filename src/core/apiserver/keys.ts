// The etcd keys of objects, in kube-apiserver's layout: /registry/<prefix>/<namespace>/<name>.
import type {ResourceDefinition} from '../api/scheme.js'
import {assert} from '../util/assert.js'

export const registryRoot = '/registry'

export function objectKey(definition: ResourceDefinition, namespace: string, name: string): string {
  assert(definition.etcdPrefix !== null, `${definition.resource} is not stored`)
  return definition.namespaced ? `${registryRoot}/${definition.etcdPrefix}/${namespace}/${name}` : `${registryRoot}/${definition.etcdPrefix}/${name}`
}

/** The prefix of a list: every namespace, or one (with its trailing '/', so `default` is not `default2`). */
export function listPrefix(definition: ResourceDefinition, namespace: string | null): string {
  assert(definition.etcdPrefix !== null, `${definition.resource} is not stored`)
  const base = `${registryRoot}/${definition.etcdPrefix}/`
  return definition.namespaced && namespace ? `${base}${namespace}/` : base
}

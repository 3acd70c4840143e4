// The built-in transformers a kustomization configures, each over every object of its level:
// namespace, name prefix and suffix, labels, annotations, replicas and images.
import {isJsonObject, type JsonObject} from '../../api/object.js'
import {builtinResources} from '../../api/resources.js'
import {KustomizeError} from './errors.js'
import {
  applyToFields, commonAnnotationFieldSpecs, commonLabelFieldSpecs, type FieldSpec, imageFieldSpecs, metadataLabelsOnly, namespaceFieldSpecs, replicasFieldSpecs, selects, templateLabelFieldSpecs,
} from './fieldspecs.js'
import type {ImageEntry, Kustomization} from './kustomization.js'
import {groupVersionOf, kindOf, type KustomizeResource, moveToNamespace, nameOf, rename} from './resource.js'

/** Cluster-wide kinds of Kubernetes 1.32 that kubemu itself may not serve. */
const otherClusterScopedKinds = [
  'admissionregistration.k8s.io/MutatingWebhookConfiguration', 'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'apiregistration.k8s.io/APIService', 'apiextensions.k8s.io/CustomResourceDefinition', 'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode', 'storage.k8s.io/VolumeAttachment', 'networking.k8s.io/IngressClass', 'node.k8s.io/RuntimeClass', 'scheduling.k8s.io/PriorityClass',
  'certificates.k8s.io/CertificateSigningRequest', 'flowcontrol.apiserver.k8s.io/FlowSchema', 'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding', '/Namespace', '/Node', '/PersistentVolume', '/ComponentStatus',
]

const clusterScopedKinds = new Set([...builtinResources.filter((definition) => !definition.namespaced).map((definition) => `${definition.group}/${definition.kind}`), ...otherClusterScopedKinds])

/** Kinds the API serves cluster-wide; any other kind (a custom resource) counts as namespaced. */
export function isClusterScoped(object: JsonObject): boolean {
  return clusterScopedKinds.has(`${groupVersionOf(object).group}/${kindOf(object)}`)
}

export function setNamespace(resources: readonly KustomizeResource[], namespace: string): void {
  for (const resource of resources) {
    const object = resource.object
    if (kindOf(object) === 'Namespace' && groupVersionOf(object).group === '') {
      rename(resource, namespace)
      continue
    }
    const kind = kindOf(object)
    if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') {
      for (const subject of Array.isArray(object.subjects) ? object.subjects : []) {
        if (isJsonObject(subject) && subject.name === 'default') subject.namespace = namespace
      }
    }
    applyToFields(object, namespaceFieldSpecs, (parent, field) => (parent[field] = namespace))
    if (!isClusterScoped(object)) moveToNamespace(resource, namespace)
  }
}

/** Kinds whose names no prefix or suffix changes. */
function keepsItsName(object: JsonObject): boolean {
  const kind = kindOf(object)
  return kind === 'CustomResourceDefinition' || kind === 'Namespace' || (kind === 'APIService' && groupVersionOf(object).group === 'apiregistration.k8s.io')
}

export function addNameAffixes(resources: readonly KustomizeResource[], prefix: string, suffix: string): void {
  for (const resource of resources) {
    if (keepsItsName(resource.object)) continue
    rename(resource, `${prefix}${nameOf(resource.object)}${suffix}`)
  }
}

function setPairs(resources: readonly KustomizeResource[], pairs: Record<string, string>, fieldSpecs: readonly FieldSpec[]): void {
  if (Object.keys(pairs).length === 0) return
  for (const resource of resources) {
    applyToFields(resource.object, fieldSpecs, (parent, field, fieldSpec) => {
      if (parent[field] === undefined || parent[field] === null) {
        if (!fieldSpec.create) return
        parent[field] = {}
      }
      const map = parent[field]
      if (!isJsonObject(map)) throw new KustomizeError(`expected a map at ${fieldSpec.path.join('/')} of ${kindOf(resource.object)} ${nameOf(resource.object)}`)
      Object.assign(map, pairs)
    })
  }
}

export function setLabels(resources: readonly KustomizeResource[], kustomization: Kustomization): void {
  for (const entry of kustomization.labels) {
    const fieldSpecs = entry.includeSelectors ? commonLabelFieldSpecs : entry.includeTemplates ? [...templateLabelFieldSpecs] : metadataLabelsOnly
    setPairs(resources, entry.pairs ?? {}, fieldSpecs)
  }
  setPairs(resources, kustomization.commonLabels ?? {}, commonLabelFieldSpecs)
}

export function setAnnotations(resources: readonly KustomizeResource[], annotations: Record<string, string>): void {
  setPairs(resources, annotations, commonAnnotationFieldSpecs)
}

export function setReplicas(resources: readonly KustomizeResource[], replicas: Kustomization['replicas']): void {
  for (const entry of replicas) {
    const matching = resources.filter((resource) => resource.names.includes(entry.name ?? '') && replicasFieldSpecs.some((fieldSpec) => selects(fieldSpec, resource.object)))
    if (matching.length === 0) {
      const kinds = replicasFieldSpecs.map((fieldSpec) => `${fieldSpec.kind}.[noVer].[noGrp]`)
      throw new KustomizeError(`resource with name ${entry.name ?? ''} does not match a config with the following GVK [${kinds.join(' ')}]`)
    }
    for (const resource of matching) applyToFields(resource.object, replicasFieldSpecs, (parent, field) => (parent[field] = entry.count ?? 0))
  }
}

/** An image reference's name, tag and digest, split as kustomize splits them. */
export function splitImage(image: string): {name: string; tag: string; digest: string} {
  const slash = image.indexOf('/')
  const searchFrom = slash > 0 ? slash : 0
  const rest = image.slice(searchFrom)
  const at = rest.indexOf('@')
  const colon = rest.indexOf(':')
  if (colon < 0 && at < 0) return {name: image, tag: '', digest: ''}
  if (at >= 0 && (at < colon || colon < 0)) return {name: image.slice(0, searchFrom + at), tag: '', digest: image.slice(searchFrom + at + 1)}
  if (at >= 0 && colon >= 0) return {name: image.slice(0, searchFrom + colon), tag: image.slice(searchFrom + colon + 1, searchFrom + at), digest: image.slice(searchFrom + at + 1)}
  return {name: image.slice(0, searchFrom + colon), tag: image.slice(searchFrom + colon + 1), digest: ''}
}

function imageMatches(image: string, name: string): boolean {
  try {
    return new RegExp(`^${name}(:[a-zA-Z0-9_.{}-]*)?(@[a-zA-Z0-9]+([.+_-][a-zA-Z0-9]+)*:[a-zA-Z0-9_.{}-]*)?$`).test(image)
  } catch {
    return false
  }
}

function updatedImage(image: string, entry: ImageEntry): string {
  if (!imageMatches(image, entry.name ?? '')) return image
  let {name, tag, digest} = splitImage(image)
  if (entry.newName) name = entry.newName
  if (entry.newTag && entry.digest) [tag, digest] = [entry.newTag, entry.digest]
  else if (entry.newTag) [tag, digest] = [entry.newTag, '']
  else if (entry.digest) [tag, digest] = ['', entry.digest]
  else if (entry.tagSuffix) [tag, digest] = [tag + entry.tagSuffix, '']
  return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`
}

/** Every containers/initContainers list anywhere in the object (kustomize's legacy image walk). */
function visitContainerLists(node: unknown, visit: (container: JsonObject) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) visitContainerLists(item, visit)
    return
  }
  if (!isJsonObject(node)) return
  for (const [field, value] of Object.entries(node)) {
    if ((field === 'containers' || field === 'initContainers') && Array.isArray(value)) {
      for (const container of value) if (isJsonObject(container)) visit(container)
    } else {
      visitContainerLists(value, visit)
    }
  }
}

export function setImages(resources: readonly KustomizeResource[], images: readonly ImageEntry[]): void {
  for (const entry of images) {
    for (const resource of resources) {
      if (kindOf(resource.object) !== 'CustomResourceDefinition') {
        visitContainerLists(resource.object, (container) => {
          if (typeof container.image === 'string') container.image = updatedImage(container.image, entry)
        })
      }
      applyToFields(resource.object, imageFieldSpecs, (parent, field) => {
        if (typeof parent[field] === 'string') parent[field] = updatedImage(parent[field] as string, entry)
      })
    }
  }
}

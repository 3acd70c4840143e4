// The scheme: every resource the API server serves, with what discovery reports about it
// (group, version, kind, plural and singular names, short names, verbs, scope, categories), its
// etcd key prefix, its schema and its subresources. Custom resources join at run time.
import type {KubeObject} from './object.js'
import type {ObjectSchema} from './schema.js'

export const standardVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const

export interface ScaleSubresource {
  readonly specReplicasPath: string
  readonly statusReplicasPath: string
  readonly labelSelectorPath?: string
}

export interface ResourceDefinition {
  readonly group: string
  readonly version: string
  readonly kind: string
  /** The plural name: the resource in URLs and RBAC rules. */
  readonly resource: string
  readonly singular: string
  readonly shortNames: readonly string[]
  readonly namespaced: boolean
  readonly verbs: readonly string[]
  readonly categories: readonly string[]
  /** Where objects live under /registry (`minions` for nodes); null when nothing is stored. */
  readonly etcdPrefix: string | null
  readonly schema: ObjectSchema
  readonly subresources: {readonly status?: boolean; readonly scale?: ScaleSubresource; readonly others?: readonly string[]}
  /** Set for resources served from a CustomResourceDefinition. */
  readonly custom?: boolean
  /** A custom resource's additionalPrinterColumns (server-side table columns). */
  readonly printerColumns?: ReadonlyArray<{name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string}>
  /** A custom resource's openAPIV3Schema (pruning and validation). */
  readonly openApiSchema?: Readonly<Record<string, unknown>>
  /** Set for a version served from another one's storage: how objects convert to and from it. */
  readonly conversion?: VersionConversion
}

/** A served version's conversion to the stored version (kube's conversion through the internal type). */
export interface VersionConversion {
  readonly storageVersion: string
  toStorage(object: KubeObject): KubeObject
  fromStorage(object: KubeObject): KubeObject
}

export function groupVersion(definition: {group: string; version: string}): string {
  return definition.group.length > 0 ? `${definition.group}/${definition.version}` : definition.version
}

/** `pods`, `deployments.apps`: how kube-apiserver names a resource in its messages. */
export function qualifiedResource(definition: {group: string; resource: string}): string {
  return definition.group.length > 0 ? `${definition.resource}.${definition.group}` : definition.resource
}

/** `Pod`, `Deployment.apps`: how kube-apiserver names a kind in 422 messages. */
export function qualifiedKind(definition: {group: string; kind: string}): string {
  return definition.group.length > 0 ? `${definition.kind}.${definition.group}` : definition.kind
}

export class Scheme {
  private readonly byResource = new Map<string, ResourceDefinition>()
  private readonly byKind = new Map<string, ResourceDefinition>()

  constructor(definitions: readonly ResourceDefinition[]) {
    for (const definition of definitions) this.add(definition)
  }

  private static resourceKey(group: string, version: string, resource: string): string {
    return `${group}/${version}/${resource}`
  }

  private static kindKey(group: string, version: string, kind: string): string {
    return `${group}/${version}/${kind}`
  }

  add(definition: ResourceDefinition): void {
    this.byResource.set(Scheme.resourceKey(definition.group, definition.version, definition.resource), definition)
    this.byKind.set(Scheme.kindKey(definition.group, definition.version, definition.kind), definition)
  }

  remove(group: string, resource: string): void {
    for (const [key, definition] of this.byResource) {
      if (definition.group === group && definition.resource === resource) {
        this.byResource.delete(key)
        this.byKind.delete(Scheme.kindKey(definition.group, definition.version, definition.kind))
      }
    }
  }

  resource(group: string, version: string, resource: string): ResourceDefinition | null {
    return this.byResource.get(Scheme.resourceKey(group, version, resource)) ?? null
  }

  /** A resource in the first version served for it (every built-in has one version). */
  preferredResource(group: string, resource: string): ResourceDefinition | null {
    for (const definition of this.byResource.values()) if (definition.group === group && definition.resource === resource) return definition
    return null
  }

  kind(group: string, version: string, kind: string): ResourceDefinition | null {
    return this.byKind.get(Scheme.kindKey(group, version, kind)) ?? null
  }

  /** The resource of a kind in an `apiVersion` (`apps/v1`, `v1`). */
  kindOf(apiVersion: string, kind: string): ResourceDefinition | null {
    const slash = apiVersion.indexOf('/')
    const group = slash < 0 ? '' : apiVersion.slice(0, slash)
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1)
    return this.kind(group, version, kind)
  }

  all(): ResourceDefinition[] {
    return [...this.byResource.values()]
  }

  /** Groups in discovery order: the legacy core group first, then the named groups as registered. */
  groups(): Array<{group: string; versions: string[]}> {
    const groups = new Map<string, string[]>()
    for (const definition of this.byResource.values()) {
      const versions = groups.get(definition.group) ?? []
      if (!versions.includes(definition.version)) versions.push(definition.version)
      groups.set(definition.group, versions)
    }
    return [...groups].map(([group, versions]) => ({group, versions}))
  }
}

// The legacy ComponentStatus API (`kubectl get componentstatuses`, `kubectl get cs`), answered as
// kube-apiserver 1.32's componentstatus REST answers it: not stored, read-only, each object a
// health check made at request time. The API server checks what is on its own master: the
// kube-scheduler and kube-controller-manager beside it (kube-apiserver probes 127.0.0.1:10259 and
// :10257) and its etcd client (one check, `etcd-0`, per storage configuration: a read of the
// health key through the client every request uses). Every answer carries the deprecation warning.
import type {KubeObject} from '../api/object.js'
import type {ResourceDefinition} from '../api/scheme.js'
import {matchesFields, matchesLabels} from '../api/selectors.js'
import type {ApiRequest, ApiResponse} from '../api/wire.js'
import {ApiError, apiErrors} from './api-errors.js'
import type {RequestInfo} from './request.js'
import {listQueryOf} from './request-options.js'

/** The component an API server checks on its own master, as kube-apiserver names it. */
export type LocalComponent = 'scheduler' | 'controller-manager'

/**
 * Whether a component beside this API server answers its health check: null when it does, else
 * the probe's error. A master's components stop and start together (`kubemu master stop`), so an
 * API server that answers has its scheduler and controller manager running, unless the host
 * knows otherwise.
 */
export type LocalComponentProbe = (component: LocalComponent) => Promise<string | null>

/** Null when the API server's etcd client reads the health key, else its error. */
export type EtcdProbe = () => Promise<string | null>

const deprecationWarning = 'v1 ComponentStatus is deprecated in v1.19+'
/** kube-apiserver lists the probes as they finish; kubemu's order is fixed (the usual one). */
const componentNames = ['scheduler', 'controller-manager', 'etcd-0'] as const

type ComponentStatus = KubeObject & {conditions: Array<{type: string; status: string; message?: string; error?: string}>}

export class ComponentStatuses {
  constructor(
    private readonly etcd: EtcdProbe,
    private readonly local: LocalComponentProbe,
  ) {}

  static handles(definition: ResourceDefinition): boolean {
    return definition.group === '' && definition.resource === 'componentstatuses'
  }

  async serve(request: ApiRequest, definition: ResourceDefinition, info: RequestInfo): Promise<ApiResponse> {
    // Cluster-scoped, without subresources: other paths are not routed.
    if (info.subresource !== '' || info.namespace !== '') throw apiErrors.pathNotFound()
    if (info.verb !== 'get' && info.verb !== 'list' && info.verb !== 'watch') throw apiErrors.unsupportedVerb(definition, info.verb)
    try {
      return await this.answer(request, definition, info)
    } catch (error) {
      // The deprecation warning is on every answer the resource's handlers give, errors too.
      if (error instanceof ApiError) error.warnings = [deprecationWarning]
      throw error
    }
  }

  private async answer(request: ApiRequest, definition: ResourceDefinition, info: RequestInfo): Promise<ApiResponse> {
    if (info.verb === 'watch') throw apiErrors.unsupportedVerb(definition, info.verb)
    const warnings = [deprecationWarning]
    if (info.verb === 'get') {
      // kube's REST answers an unknown name with a plain error: a 500 without a reason.
      if (!(componentNames as readonly string[]).includes(info.name)) throw new ApiError(500, '', `Component not found: ${info.name}`)
      return {status: 200, body: {kind: definition.kind, apiVersion: 'v1', ...(await this.check(info.name))}, warnings}
    }
    const {labelSelector, fieldSelector} = listQueryOf(request, definition, info)
    // No field label conversion of its own: kube's default one, metadata.name and metadata.namespace (always empty here).
    for (const requirement of fieldSelector) {
      if (requirement.field !== 'metadata.name' && requirement.field !== 'metadata.namespace') {
        throw apiErrors.badRequest(`${JSON.stringify(requirement.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`)
      }
    }
    const items = (await Promise.all(componentNames.map((name) => this.check(name))))
      .filter((status) => matchesLabels(labelSelector, status.metadata.labels) && matchesFields(fieldSelector, {'metadata.name': status.metadata.name ?? '', 'metadata.namespace': ''}))
    return {status: 200, body: {kind: `${definition.kind}List`, apiVersion: 'v1', metadata: {}, items}, warnings}
  }

  private async check(name: string): Promise<ComponentStatus> {
    const failure = name === 'etcd-0' ? await this.etcd().then((error) => error && `error getting data from etcd: ${error}`) : await this.local(name as LocalComponent)
    // A passing probe's body ("ok") is the message; a failing one leaves only its error.
    const condition = failure === null ? {type: 'Healthy', status: 'True', message: 'ok'} : {type: 'Healthy', status: 'False', error: failure}
    return {metadata: {name, creationTimestamp: null}, conditions: [condition]}
  }
}

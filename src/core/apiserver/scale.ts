// The scale subresource (autoscaling/v1 Scale) of Deployments, ReplicaSets, StatefulSets and
// ReplicationControllers (whose selector is a plain label map).
import {fieldAt, isJsonObject, type KubeObject} from '../api/object.js'
import type {ResourceDefinition} from '../api/scheme.js'
import {scale} from '../api/types/apps.js'
import {formatLabelSelector, labelSelectorFromObject, type LabelSelectorObject} from '../api/selectors.js'

export const scaleSchema = scale

export function scaleOf(definition: ResourceDefinition, object: KubeObject): KubeObject {
  const paths = definition.subresources.scale!
  const specReplicas = fieldAt(object, paths.specReplicasPath.slice(1))
  const statusReplicas = fieldAt(object, paths.statusReplicasPath.slice(1))
  const specSelector = isJsonObject(object.spec) && isJsonObject(object.spec.selector) ? object.spec.selector : null
  const labelSelector = definition.kind === 'ReplicationController' ? {matchLabels: specSelector as Record<string, string>} : (specSelector as LabelSelectorObject)
  const selector = specSelector ? formatLabelSelector(labelSelectorFromObject(labelSelector)) : ''
  const metadata: Record<string, unknown> = {name: object.metadata.name}
  if (object.metadata.namespace) metadata.namespace = object.metadata.namespace
  metadata.uid = object.metadata.uid
  metadata.resourceVersion = object.metadata.resourceVersion
  metadata.creationTimestamp = object.metadata.creationTimestamp
  const status: Record<string, unknown> = {replicas: typeof statusReplicas === 'number' ? statusReplicas : 0}
  if (selector.length > 0) status.selector = selector
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: typeof specReplicas === 'number' && specReplicas !== 0 ? {replicas: specReplicas} : {},
    status,
  }
}

export function withReplicas(object: KubeObject, replicas: number): KubeObject {
  const spec = isJsonObject(object.spec) ? object.spec : (object.spec = {})
  ;(spec as Record<string, unknown>).replicas = replicas
  return object
}

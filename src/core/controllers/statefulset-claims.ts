// A StatefulSet's claims under its persistentVolumeClaimRetentionPolicy, as kube-controller-manager
// 1.32 keeps them (StatefulSetAutoDeletePVC, GA): whenDeleted Delete makes the set the claims'
// controller, so the garbage collector deletes them with the set; whenScaled Delete makes a
// scaled-down pod their controller before the pod goes, so they go with it. Retain leaves no
// reference. A claim another controller owns is left alone.
import type {KubeObject, OwnerReference} from '../api/object.js'
import {type ApiClient, isConflict, isNotFound} from '../client/client.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import type {Pod} from '../api/kinds.js'
import {ownerReference} from './pod-control.js'

export interface ClaimTemplate {
  metadata?: {name?: string; labels?: Record<string, string>}
  spec?: Record<string, unknown>
}

export interface RetentionPolicy {
  whenDeleted?: string
  whenScaled?: string
}

interface SetLike extends KubeObject {
  spec: {selector?: {matchLabels?: Record<string, string>}; volumeClaimTemplates?: ClaimTemplate[]; persistentVolumeClaimRetentionPolicy?: RetentionPolicy}
}

/** The claim of one template for one pod: `<template>-<pod>`. */
export const claimName = (template: ClaimTemplate, podName: string) => `${template.metadata?.name}-${podName}`

/** The references to the set and the pod a claim should carry, as updateClaimOwnerRefForSetAndPod. */
export function wantedClaimOwners(set: SetLike, pod: KubeObject | null, scaledDown: boolean): OwnerReference[] {
  const policy = set.spec.persistentVolumeClaimRetentionPolicy ?? {}
  const owners: OwnerReference[] = []
  if (policy.whenScaled === 'Delete' && scaledDown && pod) owners.push(ownerReference(pod, 'v1', 'Pod'))
  if (policy.whenDeleted === 'Delete' && !(policy.whenScaled === 'Delete' && scaledDown)) owners.push(ownerReference(set, 'apps/v1', 'StatefulSet'))
  return owners
}

/** The claim a template makes for a pod, with the owners its policy asks for. */
export function newClaim(set: SetLike, template: ClaimTemplate, podName: string): KubeObject {
  const owners = wantedClaimOwners(set, null, false)
  return {
    kind: 'PersistentVolumeClaim',
    apiVersion: 'v1',
    metadata: {
      name: claimName(template, podName),
      namespace: String(set.metadata.namespace),
      labels: {...(set.spec.selector?.matchLabels ?? {}), ...(template.metadata?.labels ?? {})},
      ...(owners.length > 0 ? {ownerReferences: owners} : {}),
    },
    spec: structuredClone(template.spec ?? {}),
  }
}

/**
 * Brings the pod's claims' references to the set and the pod in line with the policy; a claim
 * controlled by something else keeps its references.
 */
export async function updateClaimOwners(client: ApiClient, claims: Informer<KubeObject>, set: SetLike, pod: Pod, scaledDown: boolean): Promise<void> {
  const ours = new Set([String(set.metadata.uid), String(pod.metadata.uid)])
  for (const template of set.spec.volumeClaimTemplates ?? []) {
    const claim = claims.get(`${set.metadata.namespace}/${claimName(template, String(pod.metadata.name))}`)
    if (!claim || claim.metadata.deletionTimestamp) continue
    const current = claim.metadata.ownerReferences ?? []
    if (current.some((reference) => reference.controller && !ours.has(reference.uid))) continue
    const others = current.filter((reference) => !ours.has(reference.uid))
    const wanted = [...others, ...wantedClaimOwners(set, pod, scaledDown)]
    const same = wanted.length === current.length && wanted.every((reference, index) => reference.uid === current[index]?.uid)
    if (same) continue
    try {
      await client.update(resources.persistentVolumeClaims, {...claim, kind: 'PersistentVolumeClaim', apiVersion: 'v1', metadata: {...claim.metadata, ownerReferences: wanted}})
    } catch (error) {
      // A claim changed or gone meanwhile is looked at again on the next sync.
      if (!isNotFound(error) && !isConflict(error)) throw error
    }
  }
}

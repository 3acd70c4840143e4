// ControllerRevisions as kube's controller history (pkg/controller/history) keeps them for
// StatefulSets and DaemonSets: one per distinct pod template, named `<owner>-<hash>`, holding the
// template as the strategic merge patch that puts it back, numbered in order and carrying the
// owner's annotations (so its change-cause). Going back to an earlier template renumbers that
// revision as the newest, which is what `kubectl rollout history|undo` read.
import {type KubeObject, sameJson} from '../api/object.js'
import {type ApiClient, isAlreadyExists, isNotFound} from '../client/client.js'
import type {Informer} from '../client/informer.js'
import {objectsByControllerUid} from '../client/pod-indexes.js'
import {resources} from '../client/resources.js'
import {podTemplateHash} from './deployment-util.js'
import {ownerReference, type Workload} from './pod-control.js'

/** StatefulSet's and DaemonSet's default spec.revisionHistoryLimit. */
export const revisionHistoryLimitDefault = 10

export type ControllerRevision = KubeObject & {revision?: number; data?: {spec?: {template?: Record<string, unknown>}}}

export const revisionNumber = (revision: KubeObject): number => Number((revision as ControllerRevision).revision ?? 0)

/** The patch a revision holds: the owner's template, `$patch: replace` first as Go's JSON sorts it. */
export function revisionData(owner: Workload): {spec: {template: Record<string, unknown>}} {
  return {spec: {template: {$patch: 'replace', ...((owner.spec.template ?? {}) as Record<string, unknown>)}}}
}

export class ControllerHistory {
  constructor(
    private readonly client: ApiClient,
    private readonly revisions: Informer<KubeObject>,
    private readonly ownerKind: 'StatefulSet' | 'DaemonSet',
  ) {
    revisions.addIndex(objectsByControllerUid)
  }

  /** The owner's revisions, oldest first. */
  owned(owner: Workload): ControllerRevision[] {
    return this.revisions
      .byIndex(objectsByControllerUid.name, String(owner.metadata.uid))
      .filter((revision) => revision.metadata.namespace === owner.metadata.namespace)
      .sort((left, right) => revisionNumber(left) - revisionNumber(right))
  }

  /**
   * The revision of the owner's current template, made the newest: created when no revision
   * holds that template, renumbered when an older one does (a rollback). Returns its name.
   */
  async current(owner: Workload, labels: Record<string, string>): Promise<string> {
    const hash = podTemplateHash(owner.spec.template)
    const name = `${owner.metadata.name}-${hash}`
    const namespace = String(owner.metadata.namespace)
    const owned = this.owned(owner)
    const newest = owned[owned.length - 1]
    const data = revisionData(owner)
    const equal = owned.filter((revision) => revision.metadata.name === name || sameJson(revision.data, data))
    const latestEqual = equal[equal.length - 1]
    if (latestEqual && latestEqual === newest) return String(latestEqual.metadata.name)
    const next = (newest ? revisionNumber(newest) : 0) + 1
    if (latestEqual) {
      await this.client.patch(resources.controllerRevisions, namespace, String(latestEqual.metadata.name), {revision: next}, {type: 'merge'})
      return String(latestEqual.metadata.name)
    }
    try {
      await this.client.create(resources.controllerRevisions, {
        kind: 'ControllerRevision',
        apiVersion: 'apps/v1',
        metadata: {
          name,
          namespace,
          labels,
          ...(owner.metadata.annotations ? {annotations: owner.metadata.annotations} : {}),
          ownerReferences: [ownerReference(owner, 'apps/v1', this.ownerKind)],
        },
        data,
        revision: next,
      })
    } catch (error) {
      if (!isAlreadyExists(error)) throw error
    }
    return name
  }

  /** Deletes the oldest revisions past the owner's history limit that no live pod and not the current one use. */
  async truncate(owner: Workload & {spec: {revisionHistoryLimit?: number}}, inUse: ReadonlySet<string>): Promise<void> {
    const limit = owner.spec.revisionHistoryLimit ?? revisionHistoryLimitDefault
    const unused = this.owned(owner).filter((revision) => !inUse.has(String(revision.metadata.name)))
    for (const revision of unused.slice(0, Math.max(0, unused.length - limit))) {
      try {
        await this.client.delete(resources.controllerRevisions, String(revision.metadata.namespace), String(revision.metadata.name), {preconditions: {uid: String(revision.metadata.uid)}})
      } catch (error) {
        if (!isNotFound(error)) throw error
      }
    }
  }
}

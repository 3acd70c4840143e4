// The last step of a build: every field that names a renamed object (by any name it has had)
// is rewritten to its final name, in the referrer's namespace, as kustomize's name reference
// transformer does once all prefixes, suffixes and hashes are in place.
import {isJsonObject, type JsonObject} from '../../api/object.js'
import {KustomizeError} from './errors.js'
import {applyToFields} from './fieldspecs.js'
import {type NameReference, nameReferences} from './name-reference-specs.js'
import {groupVersionOf, kindOf, type KustomizeResource, nameOf, namespaceOf, resourceIdText} from './resource.js'
import {isClusterScoped} from './transformers.js'

function candidatesFor(reference: NameReference, resources: readonly KustomizeResource[]): KustomizeResource[] {
  return resources.filter((resource) => kindOf(resource.object) === reference.kind && (reference.group === undefined || groupVersionOf(resource.object).group === reference.group))
}

/** The one object a name in `referrer` points at, or null when it names none of them. */
function referralOf(name: string, referrer: KustomizeResource, candidates: readonly KustomizeResource[], wantedNamespace: string | null): KustomizeResource | null {
  const namespace = wantedNamespace ?? namespaceOf(referrer.object)
  const named = candidates.filter((candidate) => candidate.names.includes(name))
  const inNamespace = named.filter((candidate) => isClusterScoped(candidate.object) || isClusterScoped(referrer.object) || namespaceOf(candidate.object) === namespace || candidate.namespaces.includes(namespace))
  const finalNames = new Set(inNamespace.map((candidate) => nameOf(candidate.object)))
  if (finalNames.size > 1) {
    throw new KustomizeError(`found multiple possible referrals: ${inNamespace.map((candidate) => resourceIdText(candidate.object)).join(', ')}`)
  }
  return inNamespace[0] ?? null
}

function rewrite(parent: JsonObject, field: string, referrer: KustomizeResource, candidates: readonly KustomizeResource[], kind: string): void {
  const value = parent[field]
  if (typeof value === 'string') {
    // A reference with its own kind (roleRef, scaleTargetRef) only names objects of that kind.
    if (typeof parent.kind === 'string' && parent.kind !== kind) return
    const referral = referralOf(value, referrer, candidates, null)
    if (referral) parent[field] = nameOf(referral.object)
    return
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item = value[index]
      if (typeof item === 'string') {
        const referral = referralOf(item, referrer, candidates, null)
        if (referral) value[index] = nameOf(referral.object)
      } else if (isJsonObject(item) && typeof item.name === 'string') {
        // RoleBinding subjects: only ServiceAccounts, in the namespace the subject names.
        if (item.kind !== undefined && item.kind !== kind) continue
        const referral = referralOf(item.name, referrer, candidates, typeof item.namespace === 'string' ? item.namespace : null)
        if (!referral) continue
        item.name = nameOf(referral.object)
        if (namespaceOf(referral.object) !== '') item.namespace = namespaceOf(referral.object)
      }
    }
    return
  }
  if (isJsonObject(value) && typeof value.name === 'string') {
    const referral = referralOf(value.name, referrer, candidates, typeof value.namespace === 'string' ? value.namespace : null)
    if (!referral) return
    value.name = nameOf(referral.object)
    if (namespaceOf(referral.object) !== '') value.namespace = namespaceOf(referral.object)
  }
}

export function fixNameReferences(resources: readonly KustomizeResource[]): void {
  for (const reference of nameReferences) {
    const candidates = candidatesFor(reference, resources)
    if (candidates.every((candidate) => candidate.names.length === 1 && candidate.namespaces.length === 1)) continue
    for (const referrer of resources) {
      applyToFields(referrer.object, reference.referrers, (parent, field) => rewrite(parent, field, referrer, candidates, reference.kind))
    }
  }
}

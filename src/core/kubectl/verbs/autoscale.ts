// `kubectl autoscale (-f FILENAME | TYPE NAME | TYPE/NAME) [--min=MINPODS] --max=MAXPODS
// [--cpu-percent=CPU] [--name=NAME]` as kubectl 1.32 runs it: any resource whose discovery lists
// a scale subresource (deployments, replica sets, stateful sets, replication controllers), an
// autoscaling/v1 HorizontalPodAutoscaler created through the API, kubectl's messages.
import {KubectlError, noResourcesMessage} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {readManifests} from '../manifests.js'
import {type ApiResource, groupVersionOf, objectPath, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {dryRunOf, placeObject, withLastApplied} from './apply.js'
import {submitGenerated} from './create-common.js'
import {parseResourceArguments} from './get.js'

export const autoscaleFlags: readonly KubectlFlag[] = [
  {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
  {name: 'cpu-percent', kind: 'int', defaultValue: '-1'},
  {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'},
  {name: 'field-manager', kind: 'string', defaultValue: 'kubectl-autoscale'},
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'kustomize', shorthand: 'k', kind: 'string'},
  {name: 'max', kind: 'int', defaultValue: '-1'},
  {name: 'min', kind: 'int', defaultValue: '-1'},
  {name: 'name', kind: 'string'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'save-config', kind: 'bool'},
  {name: 'show-managed-fields', kind: 'bool'},
  {name: 'template', kind: 'string'},
]


/**
 * The targets named by the arguments (read from the server, as kubectl's builder reads them) or
 * the files (taken as they are, unvalidated): each resource as its kind maps, with its object's name.
 */
async function targetsOf(session: KubectlSession, mapper: ResourceMapper, args: readonly string[]): Promise<Array<{resource: ApiResource; name: string; named?: boolean}>> {
  const files = session.list('filename')
  if (files.length > 0) {
    const manifests = await readManifests(files, session.flag('recursive') === 'true', () => session.io.readStdin(), 'autoscale', false)
    return manifests.map((manifest) => ({resource: placeObject(session, mapper, manifest).mapped, name: String(manifest.object.metadata.name ?? '')}))
  }
  const requests = parseResourceArguments(mapper, args)
  if (requests.length === 0 || requests.every((request) => request.names.length === 0)) throw new KubectlError(noResourcesMessage)
  return requests.flatMap((request) => request.names.map((name) => ({resource: request.resource, name, named: true})))
}

/** The scale resolver's check, on kubectl's discovery (no request of its own): it must list `<resource>/scale`. */
function hasScale(resource: ApiResource): boolean {
  return (resource.subresources ?? []).includes('scale')
}

export async function runAutoscale(session: KubectlSession, args: readonly string[]): Promise<number> {
  const max = Number(session.flag('max'))
  const min = Number(session.flag('min'))
  const cpuPercent = Number(session.flag('cpu-percent'))
  if (max < 1) throw new KubectlError(`--max=MAXPODS is required and must be at least 1, max: ${max}`)
  if (max < min) throw new KubectlError(`--max=MAXPODS must be larger or equal to --min=MINPODS, max: ${max}, min: ${min}`)
  const dryRun = dryRunOf(session)
  const mapper = await ResourceMapper.discover(session)
  const targets = await targetsOf(session, mapper, args)
  for (const {resource, name, named} of targets) {
    if (named) await session.request('GET', objectPath(resource, session.namespace(), name))
    if (!hasScale(resource)) {
      throw new KubectlError(`cannot autoscale a ${resource.kind}: could not find scale subresource for ${resource.group}/${resource.version}, Resource=${resource.resource} in discovery information`)
    }
    const spec: Record<string, unknown> = {scaleTargetRef: {kind: resource.kind, name, apiVersion: groupVersionOf(resource)}}
    if (min > 0) spec.minReplicas = min
    spec.maxReplicas = max
    if (cpuPercent >= 0) spec.targetCPUUtilizationPercentage = cpuPercent
    const hpa = {kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v1', metadata: {name: session.flag('name') || name, creationTimestamp: null}, spec, status: {currentReplicas: 0, desiredReplicas: 0}}
    const body = dryRun !== 'client' && session.flag('save-config') === 'true' ? withLastApplied(hpa) : hpa
    await submitGenerated(session, body, {verb: dryRun === 'client' ? 'created' : 'autoscaled', manager: 'kubectl-autoscale', generator: false})
  }
  return 0
}

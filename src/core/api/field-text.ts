// The text kube makes of a few fields of kinds for people to read, the same in the API server's
// tables (kubectl get) and in kubectl describe: label maps, access modes, an ingress's addresses.
import {isJsonObject} from './object.js'
import {objects, str} from './strategies/json-fields.js'

/** kube's loadBalancerWidth: a longer address list is clipped outside -o wide. */
const addressWidthMax = 16

/** labels.FormatLabels: sorted k=v pairs, "<none>" when empty. */
export function formatLabels(labels: unknown): string {
  if (!isJsonObject(labels) || Object.keys(labels).length === 0) return '<none>'
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${String(labels[key])}`)
    .join(',')
}

/** helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, whatever order they were given in. */
export function accessModesText(modes: unknown): string {
  const given = new Set(Array.isArray(modes) ? modes.map(String) : [])
  return ([['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']] as const)
    .filter(([mode]) => given.has(mode))
    .map(([, short]) => short)
    .join(',')
}

/** ingressLoadBalancerStatusStringer: the load balancer's IPs or host names, sorted and unique. */
export function ingressAddresses(status: unknown, wide: boolean): string {
  const loadBalancer = isJsonObject(status) && isJsonObject(status.loadBalancer) ? status.loadBalancer : {}
  const addresses = new Set<string>()
  for (const entry of objects(loadBalancer.ingress)) {
    if (str(entry.ip)) addresses.add(str(entry.ip))
    else if (str(entry.hostname)) addresses.add(str(entry.hostname))
  }
  const text = [...addresses].sort().join(',')
  return !wide && text.length > addressWidthMax ? `${text.slice(0, addressWidthMax - 3)}...` : text
}

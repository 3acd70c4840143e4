// The printers of networking.k8s.io kinds (kube's pkg/printers/internalversion): NetworkPolicy,
// Ingress and IngressClass.
import {ingressAddresses} from '../../api/field-text.js'
import {isJsonObject} from '../../api/object.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import {networkPolicySelectorText} from '../../api/selectors.js'
import {age, ageColumn, column, nameColumn, type Printer} from './table.js'

const podSelectorDescription = 'podSelector selects the pods to which this NetworkPolicy object applies. The array of rules is applied to any pods selected by this field. An empty selector matches all pods in the policy\'s namespace. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is optional. If it is not specified, it defaults to an empty selector.'

export const networkPolicyPrinter: Printer = {
  columns: [nameColumn, column('Pod-Selector', 'string', 0, podSelectorDescription), ageColumn],
  row: (object, now) => {
    const spec = isJsonObject(object.spec) ? object.spec : {}
    return [object.metadata.name ?? '', networkPolicySelectorText(spec.podSelector), age(object, now)]
  },
}

/** Hosts shown before "+ N more...". */
const hostsShownMax = 3

/** formatHosts: the rules' hosts, at most three, "*" for none. */
function ingressHosts(rules: unknown): string {
  const list: string[] = []
  let more = false
  const all = objects(rules)
  for (const rule of all) {
    if (list.length === hostsShownMax) more = true
    if (!more && str(rule.host).length > 0) list.push(str(rule.host))
  }
  if (list.length === 0) return '*'
  return more ? `${list.join(',')} + ${all.length - hostsShownMax} more...` : list.join(',')
}

export const ingressPrinter: Printer = {
  columns: [
    nameColumn,
    column('Class', 'string', 0, 'The name of the IngressClass resource that should be used for ingress class'),
    column('Hosts', 'string', 0, 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 0, 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 0, 'Ports of TLS configurations that open'),
    ageColumn,
  ],
  row: (object, now) => {
    const spec = isJsonObject(object.spec) ? object.spec : {}
    // Server-side tables are generated wide, so the address is never clipped here.
    const className = typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>'
    const ports = objects(spec.tls).length > 0 ? '80, 443' : '80'
    return [object.metadata.name ?? '', className, ingressHosts(spec.rules), ingressAddresses(object.status, true), ports, age(object, now)]
  },
}

export const ingressClassPrinter: Printer = {
  columns: [
    nameColumn,
    column('Controller', 'string', 0, 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 0, 'A reference to a resource with additional parameters'),
    ageColumn,
  ],
  row: (object, now) => {
    const spec = isJsonObject(object.spec) ? object.spec : {}
    let parameters = '<none>'
    if (isJsonObject(spec.parameters)) {
      parameters = str(spec.parameters.kind)
      if (typeof spec.parameters.apiGroup === 'string') parameters += `.${spec.parameters.apiGroup}`
      parameters += `/${str(spec.parameters.name)}`
    }
    return [object.metadata.name ?? '', str(spec.controller), parameters, age(object, now)]
  },
}

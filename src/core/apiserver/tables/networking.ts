// The printer of networking.k8s.io kinds (kube's pkg/printers/internalversion): NetworkPolicy.
import {isJsonObject} from '../../api/object.js'
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

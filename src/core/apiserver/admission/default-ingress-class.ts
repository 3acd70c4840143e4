// The DefaultIngressClass admission plugin of kube-apiserver: an Ingress created with neither
// spec.ingressClassName nor the kubernetes.io/ingress.class annotation gets the default
// IngressClass (annotated ingressclass.kubernetes.io/is-default-class: "true"; the newest when
// several are, then by name), or stays without a class when there is none.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'
import type {AdmissionReader} from './context.js'

const defaultClassAnnotation = 'ingressclass.kubernetes.io/is-default-class'
const classAnnotation = 'kubernetes.io/ingress.class'

export class DefaultIngressClassAdmission implements AdmissionPlugin {
  readonly name = 'DefaultIngressClass'

  constructor(private readonly reader: AdmissionReader) {}

  mayChange(attributes: AdmissionAttributes): boolean {
    return attributes.operation === 'CREATE' && attributes.subresource === '' && attributes.definition.group === 'networking.k8s.io' && attributes.definition.resource === 'ingresses'
  }

  async admit(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    if (attributes.operation !== 'CREATE' || attributes.subresource !== '' || object === null) return
    if (attributes.definition.group !== 'networking.k8s.io' || attributes.definition.resource !== 'ingresses') return
    if (!isJsonObject(object.spec)) object.spec = {}
    const spec = object.spec as Record<string, unknown>
    if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) return
    if (object.metadata.annotations?.[classAnnotation] !== undefined) return
    const defaults = (await this.reader.list('networking.k8s.io', 'ingressclasses', null)).filter((candidate) => candidate.metadata.annotations?.[defaultClassAnnotation] === 'true')
    const created = (candidate: KubeObject) => Date.parse(candidate.metadata.creationTimestamp ?? '') || 0
    const byName = (left: KubeObject, right: KubeObject) => (String(left.metadata.name) < String(right.metadata.name) ? -1 : 1)
    defaults.sort((left, right) => created(right) - created(left) || byName(left, right))
    if (defaults.length > 0) spec.ingressClassName = defaults[0]!.metadata.name
  }
}

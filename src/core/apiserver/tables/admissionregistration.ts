// The printer of the webhook configurations (kube's pkg/printers/internalversion): NAME WEBHOOKS AGE.
import {age, ageColumn, column, nameColumn, type Printer} from './table.js'

export const webhookConfigurationPrinter: Printer = {
  columns: [nameColumn, column('Webhooks', 'integer', 0, 'Webhooks indicates the number of webhooks registered in this configuration.'), ageColumn],
  row: (object, now) => [object.metadata.name ?? '', Array.isArray(object.webhooks) ? object.webhooks.length : 0, age(object, now)],
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)
const specOf = (object: Record<string, unknown>) => (isObject(object.spec) ? object.spec : {})

/** ValidatingAdmissionPolicy: NAME VALIDATIONS PARAMKIND AGE. */
export const validatingAdmissionPolicyPrinter: Printer = {
  columns: [
    nameColumn,
    column('Validations', 'integer', 0, 'Validations indicates the number of validation rules defined in this configuration'),
    column('ParamKind', 'string', 0, 'ParamKind specifies the kind of resources used to parameterize this policy'),
    ageColumn,
  ],
  row: (object, now) => {
    const spec = specOf(object)
    const paramKind = isObject(spec.paramKind) ? `${String(spec.paramKind.apiVersion ?? '')}/${String(spec.paramKind.kind ?? '')}` : '<unset>'
    return [object.metadata.name ?? '', Array.isArray(spec.validations) ? spec.validations.length : 0, paramKind, age(object, now)]
  },
}

/** The generated String() of a metav1.LabelSelector, which the binding's PARAMREF column shows. */
function goLabelSelectorString(selector: Record<string, unknown>): string {
  const labels = isObject(selector.matchLabels) ? selector.matchLabels : {}
  const labelText = Object.keys(labels).sort().map((key) => `${key}: ${String(labels[key])},`).join('')
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isObject) : []
  const expressionText = expressions.map((expression) => {
    const values = Array.isArray(expression.values) ? expression.values.map(String).join(' ') : ''
    return `LabelSelectorRequirement{Key:${String(expression.key ?? '')},Operator:${String(expression.operator ?? '')},Values:[${values}],},`
  }).join('')
  return `&LabelSelector{MatchLabels:map[string]string{${labelText}},MatchExpressions:[]LabelSelectorRequirement{${expressionText}},}`
}

/** ValidatingAdmissionPolicyBinding: NAME POLICYNAME PARAMREF AGE. */
export const validatingAdmissionPolicyBindingPrinter: Printer = {
  columns: [
    nameColumn,
    column('PolicyName', 'string', 0, 'PolicyName indicates the policy definition which the policy binding binded to'),
    column('ParamRef', 'string', 0, 'ParamRef indicates the param resource which sets the configration param'),
    ageColumn,
  ],
  row: (object, now) => {
    const spec = specOf(object)
    let paramRef = '<unset>'
    if (isObject(spec.paramRef)) {
      const name = String(spec.paramRef.name ?? '')
      const namespace = String(spec.paramRef.namespace ?? '')
      if (name.length > 0) paramRef = namespace.length > 0 ? `${namespace}/${name}` : `*/${name}`
      else if (isObject(spec.paramRef.selector)) paramRef = goLabelSelectorString(spec.paramRef.selector)
    }
    return [object.metadata.name ?? '', String(spec.policyName ?? ''), paramRef, age(object, now)]
  },
}

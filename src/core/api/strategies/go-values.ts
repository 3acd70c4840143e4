// Go's %#v of the values kube-apiserver puts in "Invalid value" messages.

export function goStringMap(map: Record<string, string> | undefined): string {
  if (!map) return 'map[string]string(nil)'
  const entries = Object.keys(map).sort().map((key) => `${JSON.stringify(key)}:${JSON.stringify(map[key])}`)
  return `map[string]string{${entries.join(', ')}}`
}

interface SelectorLike {
  matchLabels?: Record<string, string>
  matchExpressions?: Array<{key: string; operator: string; values?: string[]}>
}

export function goLabelSelector(selector: SelectorLike): string {
  const expressions = selector.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${selector.matchExpressions
        .map((expression) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(expression.key)}, Operator:${JSON.stringify(expression.operator)}, Values:${expression.values ? `[]string{${expression.values.map((value) => JSON.stringify(value)).join(', ')}}` : '[]string(nil)'}}`)
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)'
  return `v1.LabelSelector{MatchLabels:${goStringMap(selector.matchLabels)}, MatchExpressions:${expressions}}`
}

/** intstr.IntOrString as %#v prints it. */
export function goIntOrString(value: number | string): string {
  return typeof value === 'number'
    ? `intstr.IntOrString{Type:0, IntVal:${value}, StrVal:""}`
    : `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(value)}}`
}

// Prometheus' text exposition format 0.0.4 as Go's client (client_golang's expfmt) writes it:
// families sorted by name, each with its HELP and TYPE lines, labels as given (the caller sorts
// them; a histogram bucket's `le` last), numbers as Go's strconv 'g'. Shared by etcd's /metrics on
// the front door and kube-apiserver's.

export interface Sample {
  readonly suffix?: string
  readonly labels?: Readonly<Record<string, string>>
  readonly value: number
}

export interface Family {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge' | 'histogram'
  readonly samples: readonly Sample[]
}

/** A number as Go's strconv.FormatFloat(value, 'g', -1, 64) writes it: exponent form from 1e+06 up and under 1e-04. */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  if (value === 0) return Object.is(value, -0) ? '-0' : '0'
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string]
  const exponent = Number(exponentText)
  if (exponent < -4 || exponent >= 6) {
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
  }
  return String(value)
}

/** A label value escaped: backslash, newline and double quote. */
export const escapeLabel = (value: string): string => value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"')

/** `{a="1",b="2"}` in the labels' order; nothing for none. */
export function labelText(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels)
  return pairs.length === 0 ? '' : `{${pairs.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}`
}

/** The text of `families`; a family with no sample is left out, as client_golang leaves out an empty vector. */
export function prometheusText(families: readonly Family[]): string {
  const lines: string[] = []
  for (const family of [...families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (family.samples.length === 0) continue
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`)
    for (const sample of family.samples) lines.push(`${family.name}${sample.suffix ?? ''}${labelText(sample.labels ?? {})} ${goFloat(sample.value)}`)
  }
  return `${lines.join('\n')}\n`
}

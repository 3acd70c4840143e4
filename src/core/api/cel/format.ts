// Kubernetes' format library for CEL ("format", kube 1.31+): format.dns1123Label() and the other
// named formats, format.named(name) as an optional, and <Format>.validate(text), which is none
// for a valid text and else the validation's messages, as kube's apimachinery validation words them.
import {isDns1035Label, isDns1123Label, isDns1123Subdomain, isQualifiedName, isValidLabelValue} from '../names.js'
import type {CelKit} from './kit.js'
import {optionalOf} from './optional.js'
import {parseRequestUri} from './urls.js'

/** NameIsDNS…(name, prefix=true): a trailing dash is allowed, as generateName prefixes end in one. */
const asPrefix = (validate: (text: string) => string[]) => (text: string) => validate(text.length > 1 && text.endsWith('-') ? `${text.slice(0, -1)}a` : text)

const uuidPattern = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/
const dateTimePattern = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/

function validDate(text: string): boolean {
  const match = datePattern.exec(text)
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

const validBase64 = (text: string) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)

const formats: Readonly<Record<string, (text: string) => string[]>> = {
  dns1123Label: isDns1123Label,
  dns1123Subdomain: isDns1123Subdomain,
  dns1035Label: isDns1035Label,
  qualifiedName: isQualifiedName,
  dns1123LabelPrefix: asPrefix(isDns1123Label),
  dns1123SubdomainPrefix: asPrefix(isDns1123Subdomain),
  dns1035LabelPrefix: asPrefix(isDns1035Label),
  labelValue: isValidLabelValue,
  uri: (text) => {
    const parsed = parseRequestUri(text)
    return typeof parsed === 'string' ? [parsed] : []
  },
  uuid: (text) => (uuidPattern.test(text) ? [] : ['does not match the UUID format']),
  byte: (text) => (validBase64(text) ? [] : ['invalid base64']),
  date: (text) => (validDate(text) ? [] : ['invalid date']),
  datetime: (text) => (dateTimePattern.test(text) && validDate(text.slice(0, 10)) ? [] : ['invalid datetime']),
}

export function formatFunctions(kit: CelKit) {
  const {cel, opaque} = kit
  const {celFunc, celMethod, CelScalar, listType} = cel
  const format = opaque('kubernetes.NamedFormat')
  return [
    ...Object.keys(formats).map((name) => celFunc(`format.${name}`, [], format.type, () => format.value(name))),
    celFunc('format.named', [CelScalar.STRING], opaque('optional_type').type, (name) => optionalOf(kit, Object.hasOwn(formats, name) ? format.value(name) : undefined)),
    celMethod('validate', format.type, [CelScalar.STRING], opaque('optional_type').type, function (text) {
      const errors = formats[format.text(this)]!(text)
      return optionalOf(kit, errors.length === 0 ? undefined : cel.celList(errors))
    }),
  ]
}

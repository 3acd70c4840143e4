// Name, label and key rules of k8s.io/apimachinery/pkg/util/validation, with its messages: each
// check returns the list of problems (empty when the value is fine).

export const dns1123LabelLengthMax = 63
export const dns1123SubdomainLengthMax = 253
export const dns1035LabelLengthMax = 63
export const qualifiedNameLengthMax = 63
export const labelValueLengthMax = 63
export const configMapKeyLengthMax = 253

const dns1123LabelFormat = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const dns1123SubdomainFormat = `${dns1123LabelFormat}(\\.${dns1123LabelFormat})*`
const dns1035LabelFormat = '[a-z]([-a-z0-9]*[a-z0-9])?'
const qualifiedNameFormat = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
const labelValueFormat = `(${qualifiedNameFormat})?`
const configMapKeyFormat = '[-._a-zA-Z0-9]+'
const cIdentifierFormat = '[A-Za-z_][A-Za-z0-9_]*'

const whole = (format: string) => new RegExp(`^${format}$`)
const dns1123LabelPattern = whole(dns1123LabelFormat)
const dns1123SubdomainPattern = whole(dns1123SubdomainFormat)
const dns1035LabelPattern = whole(dns1035LabelFormat)
const qualifiedNamePattern = whole(qualifiedNameFormat)
const labelValuePattern = whole(labelValueFormat)
const configMapKeyPattern = whole(configMapKeyFormat)
const cIdentifierPattern = whole(cIdentifierFormat)

function regexError(message: string, format: string, examples: string[]): string {
  let text = `${message} (`
  if (examples.length > 0) {
    text += `e.g. '${examples[0]}'`
    for (const example of examples.slice(1)) text += `,  or '${example}'`
    text += ', '
  }
  return `${text}regex used for validation is '${format}')`
}

export const maxLengthMessage = (length: number) => `must be no more than ${length} characters`

export function isDns1123Label(value: string): string[] {
  const errors: string[] = []
  if (value.length > dns1123LabelLengthMax) errors.push(maxLengthMessage(dns1123LabelLengthMax))
  if (!dns1123LabelPattern.test(value)) {
    errors.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        dns1123LabelFormat,
        ['my-name', '123-abc'],
      ),
    )
  }
  return errors
}

export function isDns1123Subdomain(value: string): string[] {
  const errors: string[] = []
  if (value.length > dns1123SubdomainLengthMax) errors.push(maxLengthMessage(dns1123SubdomainLengthMax))
  if (!dns1123SubdomainPattern.test(value)) {
    errors.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        dns1123SubdomainFormat,
        ['example.com'],
      ),
    )
  }
  return errors
}

export function isDns1035Label(value: string): string[] {
  const errors: string[] = []
  if (value.length > dns1035LabelLengthMax) errors.push(maxLengthMessage(dns1035LabelLengthMax))
  if (!dns1035LabelPattern.test(value)) {
    errors.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        dns1035LabelFormat,
        ['my-name', 'abc-123'],
      ),
    )
  }
  return errors
}

/** A label key or annotation key: an optional DNS subdomain prefix, '/', and a name. */
export function isQualifiedName(value: string): string[] {
  const errors: string[] = []
  const parts = value.split('/')
  let name: string
  if (parts.length === 1) name = parts[0]!
  else if (parts.length === 2) {
    const prefix = parts[0]!
    name = parts[1]!
    if (prefix.length === 0) errors.push(`prefix part ${emptyError}`)
    else for (const message of isDns1123Subdomain(prefix)) errors.push(`prefix part ${message}`)
  } else {
    return [
      regexError(
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        qualifiedNameFormat,
        ['MyName', 'my.name', '123-abc'],
      ) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]
  }
  if (name.length === 0) errors.push(`name part ${emptyError}`)
  else if (name.length > qualifiedNameLengthMax) errors.push(`name part ${maxLengthMessage(qualifiedNameLengthMax)}`)
  if (!qualifiedNamePattern.test(name)) {
    errors.push(
      `name part ${regexError(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        qualifiedNameFormat,
        ['MyName', 'my.name', '123-abc'],
      )}`,
    )
  }
  return errors
}

const emptyError = 'must be non-empty'

export function isValidLabelValue(value: string): string[] {
  const errors: string[] = []
  if (value.length > labelValueLengthMax) errors.push(maxLengthMessage(labelValueLengthMax))
  if (!labelValuePattern.test(value)) {
    errors.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        labelValueFormat,
        ['MyValue', 'my_value', '12345'],
      ),
    )
  }
  return errors
}

export function isConfigMapKey(value: string): string[] {
  const errors: string[] = []
  if (value.length > configMapKeyLengthMax) errors.push(maxLengthMessage(configMapKeyLengthMax))
  if (!configMapKeyPattern.test(value)) {
    errors.push(
      regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", configMapKeyFormat, [
        'key.name',
        'KEY_NAME',
        'key-name',
      ]),
    )
  }
  if (value === '.') errors.push("must not be '.'")
  else if (value === '..') errors.push("must not be '..'")
  else if (value.startsWith('..')) errors.push("must not start with '..'")
  return errors
}

export function isCIdentifier(value: string): string[] {
  if (cIdentifierPattern.test(value)) return []
  return [
    regexError(
      "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'",
      cIdentifierFormat,
      ['my_name', 'MY_NAME', 'MyName'],
    ),
  ]
}

/** A port number, 1-65535. */
export function isValidPortNumber(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive']
}

/** An IANA service name, as a port name: at most 15 characters, a letter, no '--'. */
export function isValidPortName(name: string): string[] {
  const errors: string[] = []
  if (name.length > 15) errors.push(maxLengthMessage(15))
  if (!/^[-a-z0-9]+$/.test(name)) errors.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
  if (!/[a-z]/.test(name)) errors.push("must contain at least one letter (a-z)")
  if (name.includes('--')) errors.push("must not contain consecutive hyphens")
  if (name.length > 0 && (name.startsWith('-') || name.endsWith('-'))) errors.push("must not begin or end with a hyphen")
  return errors
}

const wildcardDns1123SubdomainFormat = `\\*\\.${dns1123SubdomainFormat}`
const wildcardDns1123SubdomainPattern = whole(wildcardDns1123SubdomainFormat)

/** A wildcard DNS subdomain (RFC 1034 4.3.3): `*.` and a subdomain, as an Ingress host may be. */
export function isWildcardDns1123Subdomain(value: string): string[] {
  const errors: string[] = []
  if (value.length > dns1123SubdomainLengthMax) errors.push(maxLengthMessage(dns1123SubdomainLengthMax))
  if (!wildcardDns1123SubdomainPattern.test(value)) {
    errors.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        wildcardDns1123SubdomainFormat,
        ['*.example.com'],
      ),
    )
  }
  return errors
}

const httpPathFormat = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+"
const httpPathPattern = whole(httpPathFormat)

/** IsDomainPrefixedPath's path part (an IngressClass's controller: `example.com/ingress`). */
export function httpPathErrors(value: string): string[] {
  return httpPathPattern.test(value) ? [] : [regexError('Invalid path', httpPathFormat, [])]
}

/** IsValidPathSegmentName: a name that can be one segment of a URL path. */
export function pathSegmentNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`]
  return ['/', '%'].filter((illegal) => name.includes(illegal)).map((illegal) => `may not contain '${illegal}'`)
}

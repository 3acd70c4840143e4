// kubectl's --validate flag read as its GetValidationDirective reads it: the fieldValidation the
// server is asked for, shared by the verbs that send objects and the manifest reader.
import {KubectlError} from './errors.js'
import type {KubectlSession} from './session.js'

/** The server's fieldValidation for --validate, as kubectl's GetValidationDirective reads it (a Go bool or a word). */
export function fieldValidationOf(session: KubectlSession): 'Strict' | 'Warn' | 'Ignore' {
  if (!session.flags.values.has('validate')) return 'Strict'
  const value = session.flag('validate')
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return 'Strict'
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return 'Ignore'
  switch (value.toLowerCase()) {
    case 'strict':
      return 'Strict'
    case 'warn':
      return 'Warn'
    case 'ignore':
      return 'Ignore'
    default:
      throw new KubectlError(`invalid - validate option "${value}"; must be one of: strict (or true), warn, ignore (or false)`)
  }
}

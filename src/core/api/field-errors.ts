// Validation errors with field paths, formatted as k8s.io/apimachinery's field.Error does: the
// text of each cause, and of the aggregate, is what kube-apiserver puts in a 422 Status.

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid'

const typeText: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
}

/** Marks a value that the message leaves out, as field.OmitValueType does. */
export const omitValue: unique symbol = Symbol('omit value')

/** How Go prints a bad value: integers and booleans bare, strings quoted (%q). */
export type BadValue = string | number | boolean | null | typeof omitValue | {goString: string}

export interface FieldError {
  readonly type: FieldErrorType
  readonly field: string
  readonly value: BadValue
  readonly detail: string
}

function goQuote(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

export function errorBody(error: FieldError): string {
  let body: string
  const plain = ['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong', 'InternalError'].includes(error.type)
  if (plain || error.value === omitValue) body = typeText[error.type]
  else if (error.value === null) body = `${typeText[error.type]}: "null"`
  else if (typeof error.value === 'string') body = `${typeText[error.type]}: ${goQuote(error.value)}`
  else if (typeof error.value === 'object') body = `${typeText[error.type]}: ${error.value.goString}`
  else body = `${typeText[error.type]}: ${String(error.value)}`
  return error.detail.length > 0 ? `${body}: ${error.detail}` : body
}

export function errorText(error: FieldError): string {
  return `${error.field}: ${errorBody(error)}`
}

/** ErrorList.ToAggregate().Error(): duplicates dropped, several errors in brackets. */
export function aggregateText(errors: readonly FieldError[]): string {
  const texts = [...new Set(errors.map(errorText))]
  return texts.length === 1 ? texts[0]! : `[${texts.join(', ')}]`
}

/** A field path, built as field.NewPath(...).Child(...).Index(...) builds it. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  static root(name: string): FieldPath {
    return new FieldPath(name)
  }

  child(...names: string[]): FieldPath {
    let text = this.text
    for (const name of names) text = text.length > 0 ? `${text}.${name}` : name
    return new FieldPath(text)
  }

  index(position: number): FieldPath {
    return new FieldPath(`${this.text}[${position}]`)
  }

  key(name: string): FieldPath {
    return new FieldPath(`${this.text}[${name}]`)
  }

  toString(): string {
    return this.text
  }
}

function make(type: FieldErrorType, path: FieldPath | string, value: BadValue, detail: string): FieldError {
  return {type, field: String(path), value, detail}
}

export const fieldError = {
  required: (path: FieldPath | string, detail = '') => make('FieldValueRequired', path, omitValue, detail),
  invalid: (path: FieldPath | string, value: BadValue, detail: string) => make('FieldValueInvalid', path, value, detail),
  notSupported: (path: FieldPath | string, value: BadValue, supported: readonly string[]) =>
    make('FieldValueNotSupported', path, value, supported.length > 0 ? `supported values: ${supported.map(goQuote).join(', ')}` : ''),
  duplicate: (path: FieldPath | string, value: BadValue) => make('FieldValueDuplicate', path, value, ''),
  forbidden: (path: FieldPath | string, detail: string) => make('FieldValueForbidden', path, omitValue, detail),
  notFound: (path: FieldPath | string, value: BadValue) => make('FieldValueNotFound', path, value, ''),
  tooLong: (path: FieldPath | string, maximum: number) => make('FieldValueTooLong', path, omitValue, `may not be more than ${maximum} bytes`),
  tooMany: (path: FieldPath | string, actual: number, maximum: number) =>
    make('FieldValueTooMany', path, actual, `must have at most ${maximum} items`),
  typeInvalid: (path: FieldPath | string, value: BadValue, detail: string) => make('FieldValueTypeInvalid', path, value, detail),
}

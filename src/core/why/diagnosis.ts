// What `kubemu why` says about one object: its state in a word, whether anything is wrong, the
// cause in one paragraph and the facts behind it (each one a thing a user can check with kubectl).
import type {KubeObject} from '../api/object.js'
import {isJsonObject} from '../api/object.js'

export interface Diagnosis {
  /** `pod/web-1`, `deployment.apps/web`: as kubectl names the object. */
  readonly object: string
  readonly namespace: string | null
  /** One or two words: Pending, Running, Terminating, Progressing, ProgressDeadlineExceeded … */
  readonly state: string
  /** Whether something keeps the object from what it was asked to be. */
  readonly stuck: boolean
  /** The cause in one paragraph (or, when nothing is wrong, saying so). */
  readonly cause: string
  readonly facts: readonly string[]
}

/** A fact list stays readable: at most this many lines, the rest counted. */
export const factsMax = 20

export function diagnosis(object: string, namespace: string | null, state: string, stuck: boolean, cause: string, facts: readonly string[] = []): Diagnosis {
  const kept = facts.length > factsMax ? [...facts.slice(0, factsMax - 1), `… and ${facts.length - factsMax + 1} more`] : facts
  return {object, namespace, state, stuck, cause, facts: kept}
}

export type Fields = Record<string, unknown>

export function fields(value: unknown): Fields {
  return isJsonObject(value) ? value : {}
}

export function list(value: unknown): Fields[] {
  return Array.isArray(value) ? value.map(fields) : []
}

export function text(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value)
}

export function condition(object: KubeObject, type: string): Fields | undefined {
  return list(fields(object.status).conditions).find((entry) => entry.type === type)
}

/** `5m30s`, `2h`, `45s`: how long, as a person reads it (kubectl's ages, with a second unit). */
export function duration(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000))
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  return `${Math.floor(hours / 24)}d${hours % 24 === 0 ? '' : `${hours % 24}h`}`
}

export function timeOf(value: unknown): number | null {
  const parsed = Date.parse(text(value))
  return Number.isNaN(parsed) ? null : parsed
}

/** `a, b and c`. */
export function listed(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`
}

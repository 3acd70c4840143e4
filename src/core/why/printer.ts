// `kubemu why` as text (the object and its state, the cause as a paragraph, the facts) or as
// JSON for scripts.
import type {Diagnosis} from './diagnosis.js'

export function formatWhy(result: Diagnosis, output: 'text' | 'json'): string {
  if (output === 'json') return `${JSON.stringify(result, null, 2)}\n`
  const where = result.namespace ? ` in namespace ${result.namespace}` : ''
  const lines = [`${result.object}${where}: ${result.state}${result.stuck ? ' (stuck)' : ''}`, '', result.cause]
  if (result.facts.length > 0) lines.push('', 'Facts:', ...result.facts.map((fact) => `  ${fact.startsWith('  ') ? '  ' : '- '}${fact.trimStart()}`))
  return `${lines.join('\n')}\n`
}

// `kubemu trace` as a timeline (one block per step: who, what, where it landed, how it learnt of
// the step before) or as JSON for scripts.
import type {Trace, TraceStep} from './trace.js'

function stepLines(step: TraceStep, index: number): string[] {
  const head = `${String(index + 1).padStart(3)}  ${step.time}  ${step.component}${step.via ? `  ← ${step.via}` : ''}`
  if (step.verb === 'event') return [head, `     event ${step.reason ?? ''}: ${step.message ?? ''}`]
  const committed = step.raft ? ` (raft term ${step.raft.term}, index ${step.raft.index})` : ''
  const landed = step.key ? `, etcd ${step.key}${step.revision !== null ? ` @ revision ${step.revision}${committed}` : ''}` : ''
  const lines = [head, `     ${step.verb} ${step.target}${step.namespace ? ` -n ${step.namespace}` : ''} → ${step.code ?? ''}${landed}`]
  if (step.mutatedBy.length > 0 || step.validatedBy.length > 0) {
    const parts = []
    if (step.mutatedBy.length > 0) parts.push(`changed by ${step.mutatedBy.join(', ')}`)
    // Every validating plugin looks at every write; how many is what the timeline needs (-o json lists them).
    if (step.validatedBy.length > 0) parts.push(`checked by ${step.validatedBy.length} validating plugin${step.validatedBy.length === 1 ? '' : 's'}`)
    lines.push(`     admission: ${parts.join('; ')}`)
  }
  return lines
}

export function formatTrace(trace: Trace, output: 'text' | 'json'): string {
  if (output === 'json') return `${JSON.stringify(trace, null, 2)}\n`
  const where = trace.namespace ? ` in namespace ${trace.namespace}` : ''
  const lines = [`${trace.object}${where}: ${trace.steps.length} step${trace.steps.length === 1 ? '' : 's'}${trace.omitted > 0 ? ` (${trace.omitted} older not shown)` : ''}`]
  if (trace.steps.length === 0) lines.push('', 'No recorded change: it was written before kubemu recorded changes, or the log has moved past it.')
  trace.steps.forEach((step, index) => lines.push('', ...stepLines(step, index)))
  return `${lines.join('\n')}\n`
}

// A kustomization that cannot be built. kubectl prints kustomize's error text after `error: `
// and exits 1; nothing is sent to the cluster.
import {KubectlError} from '../errors.js'

export class KustomizeError extends KubectlError {
  constructor(message: string) {
    super(message)
    this.name = 'KustomizeError'
  }

  /** The same failure seen from an enclosing step, its text first as kustomize wraps errors. */
  wrapped(prefix: string): KustomizeError {
    return new KustomizeError(`${prefix}${this.message}`)
  }
}

/** Go's %q of a string: the quoting klog gives an error's text. */
export function goQuoted(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** klog's line for a failed command: `E1203 14:52:11.888088   31379 run.go:72] "command failed" err="…"`. */
export function klogCommandFailed(message: string, nowMilliseconds: number, processId: number): string {
  const at = new Date(nowMilliseconds)
  const two = (value: number) => String(value).padStart(2, '0')
  const micros = String(at.getUTCMilliseconds() * 1000).padStart(6, '0')
  const stamp = `${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())} ${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())}.${micros}`
  // klog writes a value with line breaks as a block: `<`, each line after a tab, then ` >`.
  const value = message.includes('\n') ? `<\n${message.split('\n').map((line) => `\t${line}`).join('\n')}\n >` : goQuoted(message)
  return `E${stamp} ${String(processId).padStart(7, ' ')} run.go:72] "command failed" err=${value}\n`
}

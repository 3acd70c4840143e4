// Waits for a phase as kwok's CI benchmark waits (waitResource in kwok's test/e2e/benchmark.go):
// one `kubectl get --no-headers --watch RESOURCE` whose lines are read as they come, each object
// counted once, on the first line of it that shows the state looked for; a watch that ends is
// started again. Unlike a poll, the wait ends within a line of the last object getting there and
// costs the cluster one list and one watch, not a list of every object each second.
import {spawn} from 'node:child_process'
import {createInterface} from 'node:readline'

export interface WatchCount {
  /** The real kubectl and the arguments that come before `get`. */
  readonly kubectl: readonly [string, ...string[]]
  readonly env: NodeJS.ProcessEnv
  /** `get`'s arguments after `--no-headers --watch`: the resource and its namespace. */
  readonly resource: readonly string[]
  /** Whether a line (NAME first) shows the object in the state looked for. */
  readonly reached: (line: string) => boolean
  readonly wanted: number
  readonly secondsMax: number
}

export async function watchUntil(options: WatchCount): Promise<void> {
  const counted = new Set<string>()
  const deadline = performance.now() + options.secondsMax * 1000
  while (counted.size < options.wanted) {
    if (performance.now() > deadline) throw new Error(`${options.resource.join(' ')}: ${counted.size} of ${options.wanted} after ${options.secondsMax} s`)
    const [command, ...before] = options.kubectl
    const child = spawn(command, [...before, 'get', '--no-headers', '--watch', ...options.resource], {env: options.env, stdio: ['ignore', 'pipe', 'inherit']})
    const ended = new Promise<void>((done) => child.on('close', () => done()))
    const timer = setTimeout(() => child.kill(), Math.max(0, deadline - performance.now()))
    for await (const line of createInterface({input: child.stdout})) {
      const name = line.slice(0, line.indexOf(' '))
      if (counted.has(name) || !options.reached(line)) continue
      counted.add(name)
      if (counted.size === options.wanted) break
    }
    clearTimeout(timer)
    child.kill()
    await ended
  }
}

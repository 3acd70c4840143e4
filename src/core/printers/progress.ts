// A progress line for work that takes a while (catching the cluster up, advancing its clock):
// redrawn in place on a terminal, at most a few times a second; nothing when not a terminal.
import type {StepProgress} from '../host/stepper.js'

/** Redraws at most this often. */
export const progressRedrawMillisecondsMin = 250
/** Work shorter than this shows no line at all. */
export const progressQuietMillisecondsMax = 1_000

export function progressLine(stream: NodeJS.WriteStream): {update: (progress: StepProgress) => void; done: () => void} {
  const started = Date.now()
  let drawn = 0
  let shown = false
  return {
    update: (progress) => {
      const now = Date.now()
      if (!stream.isTTY || now - started < progressQuietMillisecondsMax || now - drawn < progressRedrawMillisecondsMin) return
      drawn = now
      shown = true
      const left = Math.max(0, Math.round((progress.target - progress.now) / 1000))
      stream.write(`\r\x1b[Kcatching up: ${new Date(progress.now).toISOString().slice(0, 19)}Z, ${left}s of cluster time to go (${progress.steps} ${progress.steps === 1 ? 'step' : 'steps'})`)
    },
    done: () => {
      if (shown) stream.write('\r\x1b[K')
    },
  }
}

// `kubectl kustomize DIR`: prints the built kustomization (no cluster needed); -o writes it to a
// file. A kustomization that does not build fails as kubectl reports it, through klog.
import {writeFileSync} from 'node:fs'
import type {KubectlVerb} from '../kubectl.js'
import {KubectlError} from '../errors.js'
import {kustomizeText} from '../kustomize/build.js'
import {klogCommandFailed, KustomizeError} from '../kustomize/errors.js'
import type {KubectlSession} from '../session.js'

async function runKustomize(session: KubectlSession, args: readonly string[]): Promise<number> {
  const fail = (message: string) => {
    session.io.stderr(klogCommandFailed(message, Date.now(), process.pid))
    return 1
  }
  if (args.length > 1) return fail('specify one path to kustomization.yaml')
  let text
  try {
    text = kustomizeText(args[0] ?? '.', (warning) => session.io.stderr(warning))
  } catch (error) {
    if (error instanceof KustomizeError) return fail(error.message)
    throw error
  }
  const output = session.flag('output')
  if (output === '') {
    session.io.stdout(text)
    return 0
  }
  try {
    writeFileSync(output, text)
  } catch (error) {
    throw new KubectlError(`open ${output}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`)
  }
  return 0
}

export const kustomizeVerb: KubectlVerb = {
  name: 'kustomize',
  flags: [
    {name: 'output', shorthand: 'o', kind: 'string'},
  ],
  run: runKustomize,
}

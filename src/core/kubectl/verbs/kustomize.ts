// `kubectl kustomize DIR`: prints the built kustomization (no cluster needed); -o writes it to a
// file. A kustomization that does not build fails as kubectl reports it, through klog.
import {writeFileSync} from 'node:fs'
import type {KubectlVerb} from '../kubectl.js'
import {KubectlError} from '../errors.js'
import {kustomizeText} from '../kustomize/build.js'
import {klogCommandFailed, KustomizeError} from '../kustomize/errors.js'
import type {KubectlSession} from '../session.js'

const loadRestrictors = ['LoadRestrictionsRootOnly', 'LoadRestrictionsNone']

async function runKustomize(session: KubectlSession, args: readonly string[]): Promise<number> {
  const fail = (message: string) => {
    session.io.stderr(klogCommandFailed(message, Date.now(), process.pid))
    return 1
  }
  if (args.length > 1) return fail('specify one path to kustomization.yaml')
  const restrictor = session.flag('load-restrictor')
  if (!loadRestrictors.includes(restrictor)) return fail(`illegal flag value --load-restrictor ${restrictor}; legal values: [${loadRestrictors.join(' ')}]`)
  let text
  try {
    text = kustomizeText(args[0] ?? '.', {warn: (warning) => session.io.stderr(warning), rootOnly: restrictor === 'LoadRestrictionsRootOnly'})
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
    {name: 'load-restrictor', kind: 'string', defaultValue: 'LoadRestrictionsRootOnly'},
  ],
  run: runKustomize,
}

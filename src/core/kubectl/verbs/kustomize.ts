// `kubectl kustomize DIR`: prints the built kustomization (no cluster needed); -o writes it to a
// file. A kustomization that does not build fails as kubectl reports it: `error: …`, exit 1.
import {writeFileSync} from 'node:fs'
import type {KubectlVerb} from '../verb.js'
import {KubectlError} from '../errors.js'
import type {KubectlSession} from '../session.js'

const loadRestrictors = ['LoadRestrictionsRootOnly', 'LoadRestrictionsNone']

async function runKustomize(session: KubectlSession, args: readonly string[]): Promise<number> {
  if (args.length > 1) throw new KubectlError('specify one path to kustomization.yaml')
  const restrictor = session.flag('load-restrictor')
  if (!loadRestrictors.includes(restrictor)) throw new KubectlError(`illegal flag value --load-restrictor ${restrictor}; legal values: [${loadRestrictors.join(' ')}]`)
  // kustomize loads only for the commands that build (a start-up cost the other verbs skip).
  const {kustomizeText} = await import('../kustomize/build.js')
  const text = kustomizeText(args[0] ?? '.', {warn: (warning) => session.io.stderr(warning), rootOnly: restrictor === 'LoadRestrictionsRootOnly'})
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
